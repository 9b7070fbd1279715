import Eventide
import EventidePostgres
import EventideTesting
import Foundation
import Testing

@testable import Ex95_03_04_sql_based_events

@Suite("95.3.4 SQL-Based Events", .timeLimit(.minutes(5)))
struct SqlBasedEventsTests {
    func run() async throws -> SqlBasedEvents.Outcome {
        let database = try TemporaryDatabase.make("95_03_04")
        return try await SqlBasedEvents.run(
            .init(), warehouse: SQLiteWarehouse(database: database), database: database
        ).outcome
    }

    @Test(
        "95.3.4/1 SqlSensor patterns: the failure callable fails at once, failOnEmpty fails at poke 1, a write is refused"
    )
    func sensorPatterns() async throws {
        let outcome = try await run()
        #expect(outcome.failedLoad.state == .failed)
        #expect(outcome.failedLoad.waitedSeconds < 20, "failed before its 20 s timeout")
        #expect(outcome.strictUnregistered.state == .failed && outcome.strictUnregistered.pokes == 1)
        #expect(outcome.patientUnregistered.state == .failed && outcome.patientUnregistered.pokes > 1)
        #expect(outcome.patientUnregistered.waitedSeconds >= outcome.patientTimeoutSeconds - 0.05)
        #expect(outcome.writingSensor.state == .failed && outcome.writingSensor.pokes == 1)
        #expect(outcome.flagAfterWritingSensor == "failed", "the sensor's UPDATE did not run")
    }

    @Test(
        "95.3.4/2 row count triggers: the threshold waits for every row; the naive 'any rows' fires on a partial load")
    func rowCountTriggers() async throws {
        let outcome = try await run()
        // Anti-pattern, measured: the truthy COUNT(*) fired after the first commit, and its report read a partial load.
        #expect(outcome.rowsWhenAnyRowsFired == 40)
        #expect(outcome.anyRows.state == .success && outcome.anyRows.rowsRead == 40)
        #expect(outcome.anyRows.returned == .number(40))
        // The fix: the threshold fired only once all rows were there.
        #expect(outcome.rowCount.state == .success && outcome.rowCount.rowsRead == outcome.rowsLoaded)
        #expect(outcome.rowCount.returned == .number(Double(outcome.rowsLoaded)))
    }

    @Test("95.3.4/3 flag table monitoring: the flag set with the last commit; its row is handed on")
    func flagTable() async throws {
        let outcome = try await run()
        #expect(outcome.flag.state == .success)
        #expect(outcome.flag.rowsRead == 120)
        #expect(outcome.flag.returned == ["status": "done", "row_count": 120])
    }

    @Test("95.3.4/4 query result events: the rows the sensor returned reach the next task, each order once")
    func queryResultEvents() async throws {
        let outcome = try await run()
        #expect(outcome.exports == [[1, 3, 4], [5, 6]])
        #expect(outcome.paidOrders == 5 && outcome.exportedOrders == 5)
    }

    @Test("95.3.4/1 the first cell decides as Airflow reads it; failure before success; failOnEmpty")
    func criteria() {
        typealias Rows = SqlSensor.Rows
        let none = SqlSensor.Criteria()
        for cell: JSONValue in [.null, 0, "0", "", false] {
            #expect(none.decide(Rows(columns: ["c"], rows: [[cell]])) == .notYet)
        }
        for cell: JSONValue in [1, "no", true, 0.5] {
            #expect(none.decide(Rows(columns: ["c"], rows: [[cell]])) == .done)
        }
        #expect(none.decide(Rows(columns: ["c"], rows: [])) == .notYet)
        #expect(SqlSensor.Criteria(failOnEmpty: true).decide(Rows(columns: ["c"], rows: [])) == .failed(.noRows))
        let both = SqlSensor.Criteria(success: { _ in true }, failure: { $0 == "failed" })
        #expect(both.decide(Rows(columns: ["c"], rows: [["failed"]])) == .failed(.failureCriteriaMet("failed")))
        #expect(both.decide(Rows(columns: ["c"], rows: [["running"]])) == .done)
    }

    @Test(
        "95.3.4/expected SQL conditions detected on SQLite, on Postgres with --postgres, and from the command line",
        .enabled(
            if: LocalServer.postgres.isRunning,
            "postgres is not running on 127.0.0.1:55432; scripts/servers up postgres"))
    func expectedOnPostgres() async throws {
        let endpoint = PostgresEndpoint(port: Int(LocalServer.postgres.port), database: "eventide")
        let suffix = "_t\(UInt32.random(in: 0...UInt32.max))"
        let warehouse = PostgresWarehouse(endpoint: endpoint)
        let tables = SqlBasedEvents.Tables(suffix: suffix)
        let database = try TemporaryDatabase.make("95_03_04_pg")
        let result: Result<SqlBasedEvents.Outcome, any Error>
        do {
            result = .success(
                try await SqlBasedEvents.run(
                    .init(suffix: suffix, backend: .postgres), warehouse: warehouse, database: database
                ).outcome)
        } catch { result = .failure(error) }
        try? await warehouse.transaction(
            [tables.rows, tables.flags, tables.orders].map { ("DROP TABLE IF EXISTS \($0)", []) })
        let outcome = try result.get()
        #expect(outcome.backend == .postgres)
        #expect(outcome.anyRows.rowsRead == 40 && outcome.rowCount.rowsRead == 120 && outcome.flag.rowsRead == 120)
        #expect(outcome.writingSensor.state == .failed && outcome.flagAfterWritingSensor == "failed")
        #expect(outcome.exports == [[1, 3, 4], [5, 6]])
        let cli = try ExampleProcess.run(
            "95_03_04_sql_based_events", ["--postgres", "postgres://postgres@127.0.0.1:55432/eventide", "--json"])
        #expect(cli.status == 0, "stderr: \(cli.stderr)")
        let report = try cli.json()
        let cliOutcome = try #require(report["outcome"] as? [String: Any])
        #expect(cliOutcome["backend"] as? String == "postgres")
        #expect(try ExampleProcess.run("95_03_04_sql_based_events", ["--postgres", "mysql://x/y"]).status != 0)
    }

    @Test("95.3.4/expected SQL conditions detected: every sensor decided, a used store refused, the command line works")
    func expectedBehavior() async throws {
        let outcome = try await run()
        #expect(outcome.backend == .sqlite)
        #expect([outcome.anyRows, outcome.rowCount, outcome.flag].allSatisfy { $0.state == .success })
        try await expectRefusesUsedStore { database in
            try await SqlBasedEvents.run(.init(), warehouse: SQLiteWarehouse(database: database), database: database)
        }
        let cli = try ExampleProcess.checkCommandLine(
            "95_03_04_sql_based_events", item: "95.3.4", badArguments: ["--batches", "1"], expectInError: "--batches")
        #expect(cli["rowsLoaded"] as? Int == 120)
    }
}
