import ArgumentParser
import Eventide
import EventidePostgres
import Foundation

/// The flag that moves a change-capture example from the embedded store (the default, offline) to Postgres.
public struct ChangeFeedOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("postgres"),
        help: ArgumentHelp(
            "Run on Postgres logical decoding instead of the embedded store: postgres://user@host:port/database, e.g. "
                + "postgres://postgres@127.0.0.1:55432/eventide (scripts/servers up postgres).",
            valueName: "uri"))
    public var postgres: String?

    public init() {}

    public func validate() throws {
        if let postgres { _ = try Self.endpoint(postgres) }
    }

    /// The embedded store's trigger-based capture in `database`, or Postgres as `--postgres` says.
    public func feed(database: EventideDatabase) throws -> any ChangeFeed {
        guard let postgres else { return SQLiteChangeFeed(database: database) }
        return PostgresChangeFeed(endpoint: try Self.endpoint(postgres))
    }

    static func endpoint(_ text: String) throws -> PostgresEndpoint {
        guard let url = URLComponents(string: text), url.scheme == "postgres", let host = url.host, !host.isEmpty else {
            throw ValidationError("--postgres takes postgres://user@host:port/database, got '\(text)'")
        }
        if let problem = NetworkPort.problem(url.port) {
            throw ValidationError("--postgres: \(problem), got '\(text)'")
        }
        let database = url.path.split(separator: "/").map(String.init)
        guard database.count == 1 else {
            throw ValidationError("--postgres names one database in its path, got '\(text)'")
        }
        return PostgresEndpoint(
            host: host, port: url.port ?? 5432, username: url.user ?? "postgres", password: url.password,
            database: database[0])
    }
}
