import Eventide
import Foundation

extension PostgresEndpoint {
    /// Why a `postgres://` URI was refused.
    public enum URIError: Error, Sendable, Hashable, CustomStringConvertible {
        case notPostgres(String)
        case badPort(uri: String, problem: String)
        case noDatabase(String)

        public var description: String {
            switch self {
            case .notPostgres(let uri): "expected postgres://user@host:port/database, got '\(uri)'"
            case .badPort(let uri, let problem): "\(problem), got '\(uri)'"
            case .noDatabase(let uri): "a postgres:// URI names one database in its path, got '\(uri)'"
            }
        }
    }

    /// `postgres://user[:password]@host[:port]/database` (port 5432 and user `postgres` by default).
    public init(uri: String) throws(URIError) {
        guard let url = URLComponents(string: uri), url.scheme == "postgres", let host = url.host, !host.isEmpty else {
            throw .notPostgres(uri)
        }
        if let problem = NetworkPort.problem(url.port) { throw .badPort(uri: uri, problem: problem) }
        let path = url.path.split(separator: "/").map(String.init)
        guard path.count == 1, let database = path.first else { throw .noDatabase(uri) }
        self.init(
            host: host, port: url.port ?? 5432, username: url.user ?? "postgres", password: url.password,
            database: database)
    }
}
