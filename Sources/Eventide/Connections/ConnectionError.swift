/// Why a connection could not be resolved.
public enum ConnectionError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknown(id: String, known: [String])
    case invalidURI(id: String, uri: String)
    /// The URI parses but cannot be used as asked, e.g. an AWS connection without credentials.
    case unusable(id: String, reason: String)

    public var description: String {
        switch self {
        case .unknown(let id, let known):
            return "connection '\(id)' is not defined; set AIRFLOW_CONN_\(id.uppercased()) to its URI"
                + (known.isEmpty ? "" : " (defined: \(known.joined(separator: ", ")))")
        case .invalidURI(let id, let uri):
            return "connection '\(id)' has an invalid URI \(uri.debugDescription); write scheme://host/path"
        case .unusable(let id, let reason):
            return "connection '\(id)' cannot be used: \(reason)"
        }
    }
}
