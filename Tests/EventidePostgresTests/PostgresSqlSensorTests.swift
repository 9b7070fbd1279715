import Eventide
import EventidePostgres
import EventideTesting
import Foundation
import Testing

extension AgainstPostgres {
    /// `SqlSensor` on Postgres: rows as JSON scalars, `$1` parameters, and the read-only transaction.
    @Suite("SqlSensor on Postgres", .timeLimit(.minutes(1)))
    struct PostgresSqlSensorTests {
        @Test("rows come back typed; a write is refused with writeRefused and nothing is written")
        func rowsAndWriteRefused() async throws {
            let endpoint = PostgresFixture.endpoint
            let table = "sqlsensor_\(UUID().uuidString.prefix(8).lowercased())"
            let writer = PostgresSqlWriter(endpoint: endpoint)
            try await writer.transaction([
                ("CREATE TABLE \(table) (batch text PRIMARY KEY, status text NOT NULL, n int, ratio numeric(4,2))", []),
                ("INSERT INTO \(table) VALUES ($1, 'running', NULL, 2.5)", ["b-1"]),
            ])
            let source = PostgresSqlSensorSource(endpoint: endpoint)
            let result: Result<Void, any Error>
            do {
                let rows = try await source.rows(
                    "SELECT status, n, ratio, true AS ok FROM \(table) WHERE batch = $1", parameters: ["b-1"])
                #expect(rows.columns == ["status", "n", "ratio", "ok"])
                #expect(rows.rows == [["running", .null, 2.5, true]])
                await #expect {
                    _ = try await source.rows("UPDATE \(table) SET status = 'done'", parameters: [])
                } throws: { error in
                    if case .writeRefused = error as? SqlSensor.Failure { true } else { false }
                }
                let after = try await source.rows("SELECT status FROM \(table)", parameters: [])
                #expect(after.firstCell == "running")
                result = .success(())
            } catch { result = .failure(error) }
            try await writer.transaction([("DROP TABLE \(table)", [])])
            try result.get()
        }
    }
}
