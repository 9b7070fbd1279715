import Foundation

/// A trigger's source named by URI, like Airflow's `MessageQueueTrigger(queue=...)`:
/// `kafka://127.0.0.1:19092/orders?group=g`, `sqs://127.0.0.1:5000/orders`, `amqp://127.0.0.1:5672/orders`,
/// `postgres://127.0.0.1:5432/shop?slot=s`, `eventide://log/orders?group=g`.
public struct TriggerURI: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    /// Lower-cased.
    public let scheme: String
    public let host: String?
    public let port: Int?
    public let user: String?
    public let password: String?
    /// The path's segments, percent-decoded, without empty ones: `/a/b` → `["a", "b"]`.
    public let pathSegments: [String]
    /// Query parameters; a repeated name keeps its last value.
    public let query: [String: String]

    public init(_ text: String) throws(TriggerError) {
        guard let components = URLComponents(string: text) else {
            throw TriggerError.invalidURI(text, reason: "it is not a URI")
        }
        guard let scheme = components.scheme, !scheme.isEmpty else {
            throw TriggerError.invalidURI(text, reason: "it has no scheme (expected e.g. sqs://host:port/queue)")
        }
        if let problem = NetworkPort.problem(components.port) { throw TriggerError.invalidURI(text, reason: problem) }
        self.text = text
        self.scheme = scheme.lowercased()
        host = components.host.flatMap { $0.isEmpty ? nil : $0 }
        port = components.port
        user = components.user
        password = components.password
        pathSegments = components.percentEncodedPath.split(separator: "/").map {
            String($0).removingPercentEncoding ?? String($0)
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        self.query = query
    }

    public var description: String { text }

    /// The only path segment, e.g. the queue or topic name; throws naming `what` when there is not exactly one.
    public func singlePathSegment(_ what: String) throws(TriggerError) -> String {
        guard pathSegments.count == 1 else {
            throw TriggerError.invalidURI(
                text, reason: "expected exactly one \(what) in the path, found \(pathSegments.count)")
        }
        return pathSegments[0]
    }

    /// A query parameter that must be present and non-empty.
    public func required(_ name: String) throws(TriggerError) -> String {
        guard let value = query[name], !value.isEmpty else {
            throw TriggerError.invalidURI(text, reason: "the query parameter '\(name)' is required")
        }
        return value
    }

    /// An optional integer query parameter; throws when present but not an integer in `range`.
    public func integer(_ name: String, in range: ClosedRange<Int> = Int.min...Int.max) throws(TriggerError) -> Int? {
        guard let text = query[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw TriggerError.invalidURI(
                self.text,
                reason: "'\(name)' must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return value
    }

    /// `host:port`, with the scheme's default port when the URI names none; throws when there is no host.
    public func endpoint(defaultPort: Int) throws(TriggerError) -> (host: String, port: Int) {
        guard let host else { throw TriggerError.invalidURI(text, reason: "it names no host") }
        return (host, port ?? defaultPort)
    }
}
