import Eventide
import Logging
import PostgresNIO

/// Where a Postgres server is and who to log in as (plain TCP, no TLS: the catalog talks to servers on loopback).
public struct PostgresEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// How long a connection attempt or a statement may take before the connection is given up as broken
    /// (`CDCError.unreachable`): a server that crashed mid-statement or a half-open TCP connection never answers.
    public var timeout: Duration

    public init(
        host: String = "127.0.0.1", port: Int = 5432, username: String = "postgres", password: String? = nil,
        database: String, timeout: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.timeout = timeout
    }

    /// `postgres://user@host:port/database`, without the password.
    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }

    /// What the runtime's connections call themselves (`application_name`, in `pg_stat_activity`) unless they
    /// say more, as a slot's reader does (`LogicalSlot.applicationName(of:)`).
    public static let applicationName = "eventide"

    /// Opens one connection; throws `CDCError.unreachable` when nothing answers or the login is refused.
    /// `applicationName` is what an operator sees in `pg_stat_activity` (the server cuts it to 63 bytes).
    public func connect(
        logger: Logger = PostgresEndpoint.quietLogger, applicationName: String = PostgresEndpoint.applicationName
    ) async throws(CDCError) -> PostgresConnection {
        if let problem = NetworkPort.problem(port) {
            throw CDCError.unreachable(endpoint: description, reason: problem)
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username,
            password: password, database: database, tls: .disable)
        configuration.options.connectTimeout = .nanoseconds(Int64(timeout.inSeconds * 1e9))
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            throw CDCError.unreachable(endpoint: description, reason: CDCError.reason(error))
        }
    }

    /// postgres-nio logs every query at debug level; the library keeps only its warnings.
    public static var quietLogger: Logger {
        var logger = Logger(label: "eventide.postgres")
        logger.logLevel = .warning
        return logger
    }
}
