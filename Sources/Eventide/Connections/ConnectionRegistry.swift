import Foundation

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
