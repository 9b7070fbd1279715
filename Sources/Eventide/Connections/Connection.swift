import Foundation

/// A named way to reach an external system (Airflow's Connection): a URI plus extra settings.
/// Triggers name a connection instead of embedding hosts, paths or credentials.
public struct Connection: Sendable, Hashable {
    public let id: String
    public let uri: URL
    /// Query parameters of the URI, e.g. `?poll_interval=5` → `["poll_interval": "5"]`.
    public let extra: [String: String]

    public init(id: String, uri: String) throws(ConnectionError) {
        guard let url = URL(string: uri), let scheme = url.scheme, !scheme.isEmpty else {
            throw ConnectionError.invalidURI(id: id, uri: uri)
        }
        self.id = id
        self.uri = url
        let items = URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? []
        extra = Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
    }

    /// The URI without credentials, safe to print.
    public var redacted: String {
        guard var components = URLComponents(url: uri, resolvingAgainstBaseURL: false) else { return "?" }
        if components.password != nil { components.password = "***" }
        return components.string ?? "?"
    }
}

/// Why a connection could not be resolved.
public enum ConnectionError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknown(id: String, known: [String])
    case invalidURI(id: String, uri: String)

    public var description: String {
        switch self {
        case .unknown(let id, let known):
            return "connection '\(id)' is not defined; set AIRFLOW_CONN_\(id.uppercased()) to its URI"
                + (known.isEmpty ? "" : " (defined: \(known.joined(separator: ", ")))")
        case .invalidURI(let id, let uri):
            return "connection '\(id)' has an invalid URI \(uri.debugDescription); write scheme://host/path"
        }
    }
}

/// Resolves connection ids from an environment the way Airflow does: `AIRFLOW_CONN_<ID>` holds the URI.
public struct ConnectionRegistry: Sendable {
    private let connections: [String: String]

    /// Reads every `AIRFLOW_CONN_*` variable of `environment` (the process environment by default).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        var found: [String: String] = [:]
        for (name, value) in environment where name.hasPrefix("AIRFLOW_CONN_") {
            found[String(name.dropFirst("AIRFLOW_CONN_".count)).lowercased()] = value
        }
        connections = found
    }

    public var ids: [String] { connections.keys.sorted() }

    public func connection(_ id: String) throws(ConnectionError) -> Connection {
        guard let uri = connections[id.lowercased()] else { throw ConnectionError.unknown(id: id, known: ids) }
        return try Connection(id: id, uri: uri)
    }
}
