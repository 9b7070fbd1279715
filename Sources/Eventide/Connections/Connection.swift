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
        if let problem = NetworkPort.problem(url.port) { throw ConnectionError.unusable(id: id, reason: problem) }
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
