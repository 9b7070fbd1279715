import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("SqlSensor on the runtime's SQLite store", .timeLimit(.minutes(2)))
struct SqlSensorTests {
    static func store() async throws -> EventideDatabase {
        let database = try TemporaryDatabase.make("sql-sensor")
        try await database.transaction { store in
            try store.execute("CREATE TABLE flag (batch TEXT PRIMARY KEY, status TEXT NOT NULL, row_count INTEGER)")
            try store.execute("INSERT INTO flag VALUES ('b-1', 'running', NULL)")
        }
        return database
    }

    @Test("a query's rows come back as columns and JSON scalars; $1 binds positionally")
    func rowsAndColumns() async throws {
        let database = try await Self.store()
        let rows = try await SqlSensor.SQLiteSource(database: database).rows(
            "SELECT status, row_count, 2.5 AS ratio FROM flag WHERE batch = $1", parameters: ["b-1"])
        #expect(rows.columns == ["status", "row_count", "ratio"])
        #expect(rows.rows == [["running", .null, 2.5]])
        #expect(rows.objects == [["status": "running", "row_count": .null, "ratio": 2.5]])
    }

    @Test("a statement that writes is refused by the read-only connection, and nothing is written")
    func writeRefused() async throws {
        let database = try await Self.store()
        let source = SqlSensor.SQLiteSource(database: database)
        await #expect {
            _ = try await source.rows("UPDATE flag SET status = 'done'", parameters: [])
        } throws: { error in
            if case .writeRefused = error as? SqlSensor.Failure { true } else { false }
        }
        #expect(try await source.rows("SELECT status FROM flag", parameters: []).firstCell == "running")
    }

    @Test("the sensor task pokes until the flag says done and returns its row; failure fails it at once")
    func sensorTaskOnTestClock() async throws {
        let database = try await Self.store()
        let clock = TestClock()
        let orchestrator = Orchestrator(database: database, clock: EventideClock(clock, epoch: clock.epoch))
        let criteria = SqlSensor.Criteria(success: { $0 == "done" }, failure: { $0 == "failed" })
        let sensor = { (batch: String) in
            SqlSensor(
                on: .sqlite(database), sql: "SELECT status, row_count FROM flag WHERE batch = $1",
                parameters: [.string(batch)], criteria: criteria, handoff: .firstRow)
        }
        let settings = SensorSettings(pokeInterval: .seconds(60), timeout: .seconds(3600))
        try await orchestrator.register(dags: [
            try DAG("wait_done", tasks: [.sensor("wait", sensor("b-1"), settings: settings)]),
            try DAG("wait_failed", tasks: [.sensor("wait", sensor("b-2"), settings: settings)]),
        ])
        try await orchestrator.withServices {
            let baseline = clock.sleeperCount
            let done = try await orchestrator.scheduler.triggerRun("wait_done")
            let failed = try await orchestrator.scheduler.triggerRun("wait_failed")
            /// Both sensors have poked `pokes` times and sleep until their next poke.
            func settled(_ pokes: Int) async throws {
                for ref in [done, failed] {
                    while try await SensorProgress.read(ref, taskId: "wait", tryNumber: 1, in: database)?.pokes != pokes
                    {
                        try await Task.sleep(for: .milliseconds(2))
                    }
                }
                try await clock.waitForSleepers(baseline + 2)
            }
            try await settled(1)
            await clock.advance(by: .seconds(60))  // second pokes: still running, no flag for b-2
            try await settled(2)
            try await database.transaction { store in
                try store.execute("UPDATE flag SET status = 'done', row_count = 120 WHERE batch = 'b-1'")
                try store.execute("INSERT INTO flag VALUES ('b-2', 'failed', 0)")
            }
            await clock.advance(by: .seconds(60))
            _ = try await orchestrator.scheduler.waitForFinishedRuns(of: "wait_done", count: 1)
            _ = try await orchestrator.scheduler.waitForFinishedRuns(of: "wait_failed", count: 1)
            let doneTask = try #require(try await orchestrator.scheduler.run(done)?.task("wait"))
            #expect(doneTask.state == .success)
            #expect(doneTask.returnValue == ["status": "done", "row_count": 120])
            let failedTask = try #require(try await orchestrator.scheduler.run(failed)?.task("wait"))
            #expect(failedTask.state == .failed)
            #expect(try await SensorProgress.read(done, taskId: "wait", tryNumber: 1, in: database)?.pokes == 3)
            #expect(try await SensorProgress.read(failed, taskId: "wait", tryNumber: 1, in: database)?.pokes == 3)
        }
    }

    @Test("rowCount waits for the threshold and returns the count")
    func rowCountThreshold() async throws {
        let database = try await Self.store()
        let sensor = SqlSensor.rowCount(on: .sqlite(database), table: "flag", atLeast: 2)
        let rows = try await sensor.source.rows(sensor.sql, parameters: sensor.parameters)
        #expect(sensor.criteria.decide(rows) == .notYet)
        try await database.transaction { try $0.execute("INSERT INTO flag VALUES ('b-2', 'running', NULL)") }
        let after = try await sensor.source.rows(sensor.sql, parameters: sensor.parameters)
        #expect(sensor.criteria.decide(after) == .done)
        #expect(sensor.handoff == .firstCell && after.firstCell == 2)
    }
}
