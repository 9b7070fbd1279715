import Eventide
import Logging
import PostgresNIO

/// Writes for the producer side of a `SqlSensor` on Postgres (the load a sensor waits for): statements with
/// `$1`, `$2`, … parameters, run together in one transaction on a connection of their own.
public struct PostgresSqlWriter: Sendable {
    public let endpoint: PostgresEndpoint
    private let logger: Logger

    public init(endpoint: PostgresEndpoint, logger: Logger = PostgresEndpoint.quietLogger) {
        self.endpoint = endpoint
        self.logger = logger
    }

    /// Runs the statements in one transaction: all committed, or none when one fails.
    public func transaction(_ statements: [(sql: String, parameters: [JSONValue])]) async throws {
        let connection = try await endpoint.connect(logger: logger)
        var failure: (any Error)?
        do {
            try await connection.query("BEGIN", logger: logger)
            for statement in statements {
                try await connection.query(
                    PostgresSqlSensorSource.query(statement.sql, statement.parameters), logger: logger)
            }
            try await connection.query("COMMIT", logger: logger)
        } catch {
            failure = CDCError.from(error, sql: statements.map(\.sql).joined(separator: "; "))
        }
        try? await connection.close()  // a failed transaction ends with the connection
        if let failure { throw failure }
    }
}
