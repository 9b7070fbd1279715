import Eventide
import EventideCLI
import Foundation

/// Drives the sensors of `SqlBasedEvents.swift` against a load the example writes batch by batch: the naive
/// "any rows" sensor, a row-count threshold and the flag table side by side; a failed load, an unregistered batch
/// with and without `failOnEmpty`, a sensor whose query writes, and paid orders handed to an export task twice.
extension SqlBasedEvents {
    static let item = "95.3.4"
    static let title = "SQL-Based Events"

    struct Configuration: Sendable {
        var batches = 3
        var batchSize = 40
        /// Tables are named `load_rows<suffix>` …: on a shared Postgres each run takes new ones.
        var suffix = ""
        var backend = Backend.sqlite
    }

    enum Backend: String, Codable, Sendable { case sqlite, postgres }

    enum ScenarioError: Error, Equatable {
        /// A sensor task ended without a try recorded: the runtime did not run it.
        case sensorNotRun(dagId: String)
    }

    /// One sensor task as the store has it after its run.
    struct SensorRun: Codable, Sendable, Hashable {
        let dagId: String
        let state: TaskState
        let pokes: Int
        /// What the sensor task returned (its XCom value).
        let returned: JSONValue?
        /// What `report` read when it ran after the sensor (`rows_read`), nil without a report.
        let rowsRead: Int?
        /// Seconds from the first poke to the sensor task's end.
        let waitedSeconds: Double
    }

    struct Outcome: Codable, Sendable {
        let backend: Backend
        let rowsLoaded: Int
        let anyRows: SensorRun
        let rowCount: SensorRun
        let flag: SensorRun
        /// Rows of the batch committed when `anyRows` fired.
        let rowsWhenAnyRowsFired: Int
        let failedLoad: SensorRun
        let strictUnregistered: SensorRun
        let patientUnregistered: SensorRun
        let patientTimeoutSeconds: Double
        let writingSensor: SensorRun
        /// The flag the writing sensor's UPDATE targeted, read afterwards.
        let flagAfterWritingSensor: String?
        /// Per export run, the order ids the sensor handed over and the task exported.
        let exports: [[Int]]
        let paidOrders: Int
        let exportedOrders: Int
    }

    static let settings = SensorSettings(pokeInterval: .milliseconds(20), timeout: .seconds(20))
    static let patientTimeout = Duration.milliseconds(400)

    static func run(
        _ configuration: Configuration, warehouse: any Warehouse, database: EventideDatabase
    ) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let t = Tables(suffix: configuration.suffix)
        let source = warehouse.source
        let expected = configuration.batches * configuration.batchSize
        let dags = [
            try report(
                "report_on_any_rows", wait: anyRows(source, t, batch: "b-1"), settings: settings, warehouse: warehouse,
                t, batch: "b-1"),
            try report(
                "report_on_row_count", wait: rowCount(source, t, batch: "b-1", expected: expected), settings: settings,
                warehouse: warehouse, t, batch: "b-1"),
            try report(
                "report_on_flag", wait: flag(source, t, batch: "b-1"), settings: settings, warehouse: warehouse, t,
                batch: "b-1"),
            try DAG("watch_failed_load", tasks: [.sensor("wait", flag(source, t, batch: "b-2"), settings: settings)]),
            try DAG(
                "watch_unregistered_strict",
                tasks: [.sensor("wait", flag(source, t, batch: "b-9", failOnEmpty: true), settings: settings)]),
            try DAG(
                "watch_unregistered_patient",
                tasks: [
                    .sensor(
                        "wait", flag(source, t, batch: "b-9"),
                        settings: SensorSettings(pokeInterval: .milliseconds(20), timeout: patientTimeout))
                ]),
            try DAG(
                "sensor_that_writes",
                tasks: [
                    .sensor(
                        "wait", SqlSensor(on: source, sql: "UPDATE \(t.flags) SET status = 'done' WHERE batch = 'b-2'"),
                        settings: settings)
                ]),
            try exportPaid(source, warehouse: warehouse, t),
        ]
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: dags)
        try await orchestrator.requireFreshStore()
        try await warehouse.transaction([
            ("CREATE TABLE \(t.rows) (batch TEXT NOT NULL, n INTEGER NOT NULL)", []),
            ("CREATE TABLE \(t.flags) (batch TEXT PRIMARY KEY, status TEXT NOT NULL, row_count INTEGER NOT NULL)", []),
            (
                "CREATE TABLE \(t.orders) (id INTEGER PRIMARY KEY, amount REAL NOT NULL, status TEXT NOT NULL, exported INTEGER NOT NULL DEFAULT 0)",
                []
            ),
        ])
        timeline.note(
            "\(configuration.backend.rawValue): tables \(t.rows), \(t.flags), \(t.orders) created; batch b-1 will load \(expected) rows in \(configuration.batches) commits"
        )
        let scheduler = orchestrator.scheduler

        let outcome = try await orchestrator.withServices {
            // Three ways to wait for batch b-1, started before it loads.
            var refs: [String: DagRunRef] = [:]
            for dagId in ["report_on_any_rows", "report_on_row_count", "report_on_flag"] {
                refs[dagId] = try await scheduler.triggerRun(dagId)
            }
            for ref in refs.values { try await waitForPokes(ref, atLeast: 2, database: database) }
            timeline.note("report_on_any_rows, report_on_row_count and report_on_flag poke an empty batch b-1")
            var loaded = 0
            var rowsWhenAnyRowsFired = 0
            for part in 1...configuration.batches {
                var statements = (1...configuration.batchSize).map { n in
                    (
                        sql: "INSERT INTO \(t.rows) (batch, n) VALUES ($1, $2)",
                        parameters: ["b-1", .number(Double(loaded + n))] as [JSONValue]
                    )
                }
                let last = part == configuration.batches
                if last {
                    statements.append(
                        (
                            "INSERT INTO \(t.flags) (batch, status, row_count) VALUES ('b-1', 'done', $1)",
                            [.number(Double(expected))]
                        ))
                }
                try await warehouse.transaction(statements)
                loaded += configuration.batchSize
                timeline.note(
                    "commit \(part): \(loaded) of \(expected) rows of b-1"
                        + (last ? ", and its flag 'done' in the same commit" : ""))
                if part == 1, let ref = refs["report_on_any_rows"] {
                    // The report reads while the load goes on: it runs before the next commit.
                    _ = try await scheduler.waitForFinishedRuns(of: ref.dagId, count: 1)
                    rowsWhenAnyRowsFired = loaded
                    let run = try await sensorRun(ref, database: database, scheduler: scheduler)
                    timeline.note(
                        "report_on_any_rows: sensor done at poke \(run.pokes) (first cell \(run.returned ?? .null)), report read \(run.rowsRead ?? 0) of \(expected) rows"
                    )
                }
            }
            var sensors: [String: SensorRun] = [:]
            for (dagId, ref) in refs.sorted(by: { $0.key < $1.key }) {
                _ = try await scheduler.waitForFinishedRuns(of: dagId, count: 1)
                sensors[dagId] = try await sensorRun(ref, database: database, scheduler: scheduler)
            }
            let rowCountRun = try require(sensors["report_on_row_count"], dagId: "report_on_row_count")
            let flagRun = try require(sensors["report_on_flag"], dagId: "report_on_flag")
            timeline.note(
                "report_on_row_count: sensor done at poke \(rowCountRun.pokes) (count \(rowCountRun.returned ?? .null)), report read \(rowCountRun.rowsRead ?? 0) rows; report_on_flag: done at poke \(flagRun.pokes), handed \(flagRun.returned ?? .null), report read \(flagRun.rowsRead ?? 0) rows"
            )

            // A load that fails: its flag says so, and the sensor fails at once instead of waiting out 20 s.
            let failedRef = try await scheduler.triggerRun("watch_failed_load")
            try await waitForPokes(failedRef, atLeast: 2, database: database)
            try await warehouse.execute("INSERT INTO \(t.flags) (batch, status, row_count) VALUES ('b-2', 'failed', 0)")
            _ = try await scheduler.waitForFinishedRuns(of: "watch_failed_load", count: 1)
            let failed = try await sensorRun(failedRef, database: database, scheduler: scheduler)
            timeline.note(
                "flag b-2 set to 'failed' → watch_failed_load's sensor \(failed.state.rawValue) at poke \(failed.pokes), after \(String(format: "%.2f", failed.waitedSeconds)) s of its 20 s timeout"
            )

            // A batch nobody registered: failOnEmpty fails at the first poke; without it the sensor waits it out.
            let strictRef = try await scheduler.triggerRun("watch_unregistered_strict")
            let patientRef = try await scheduler.triggerRun("watch_unregistered_patient")
            _ = try await scheduler.waitForFinishedRuns(of: "watch_unregistered_strict", count: 1)
            _ = try await scheduler.waitForFinishedRuns(of: "watch_unregistered_patient", count: 1)
            let strict = try await sensorRun(strictRef, database: database, scheduler: scheduler)
            let patient = try await sensorRun(patientRef, database: database, scheduler: scheduler)
            timeline.note(
                "batch b-9 never registered: with failOnEmpty \(strict.state.rawValue) at poke \(strict.pokes); without it \(patient.state.rawValue) at its \(patientTimeout) timeout, after \(patient.pokes) pokes"
            )

            // A sensor query that writes is refused by the read-only transaction.
            let writerRef = try await scheduler.triggerRun("sensor_that_writes")
            _ = try await scheduler.waitForFinishedRuns(of: "sensor_that_writes", count: 1)
            let writing = try await sensorRun(writerRef, database: database, scheduler: scheduler)
            let flagB2 = try await source.rows("SELECT status FROM \(t.flags) WHERE batch = 'b-2'", parameters: [])
                .firstCell
            timeline.note(
                "sensor_that_writes (UPDATE … SET status = 'done'): \(writing.state.rawValue) at poke \(writing.pokes); flag b-2 is still \(flagB2 ?? .null)"
            )

            // Query results as events: paid orders handed to the export task, twice.
            var exports: [[Int]] = []
            for (round, orders) in [
                [(1, "paid"), (2, "pending"), (3, "paid"), (4, "paid")], [(5, "paid"), (6, "paid")],
            ].enumerated() {
                try await warehouse.transaction(
                    orders.map { id, status in
                        (
                            "INSERT INTO \(t.orders) (id, amount, status) VALUES ($1, $2, $3)",
                            [.number(Double(id)), .number(Double(id) * 10 + 0.5), .string(status)]
                        )
                    })
                let ref = try await scheduler.triggerRun("export_paid_orders")
                _ = try await scheduler.waitForFinishedRuns(of: "export_paid_orders", count: round + 1)
                let run = try await scheduler.run(ref)
                let ids = (run?.task("export")?.returnValue?.arrayValue ?? []).compactMap(\.intValue)
                exports.append(ids)
                timeline.note(
                    "orders \(orders.map { "\($0.0) \($0.1)" }.joined(separator: ", ")) → export_paid_orders run \(round + 1) handed and exported \(ids.map(String.init).joined(separator: ", "))"
                )
            }
            let paid =
                try await source.rows("SELECT COUNT(*) FROM \(t.orders) WHERE status = 'paid'", parameters: [])
                .firstCell?.intValue ?? 0
            let exported =
                try await source.rows("SELECT COUNT(*) FROM \(t.orders) WHERE exported = 1", parameters: []).firstCell?
                .intValue ?? 0
            let anyRowsRun = try require(sensors["report_on_any_rows"], dagId: "report_on_any_rows")
            return Outcome(
                backend: configuration.backend, rowsLoaded: loaded, anyRows: anyRowsRun, rowCount: rowCountRun,
                flag: flagRun, rowsWhenAnyRowsFired: rowsWhenAnyRowsFired, failedLoad: failed,
                strictUnregistered: strict, patientUnregistered: patient,
                patientTimeoutSeconds: patientTimeout.inSeconds, writingSensor: writing,
                flagAfterWritingSensor: flagB2?.stringValue, exports: exports, paidOrders: paid,
                exportedOrders: exported)
        }
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    static func `require`(_ run: SensorRun?, dagId: String) throws -> SensorRun {
        guard let run else { throw ScenarioError.sensorNotRun(dagId: dagId) }
        return run
    }

    /// Waits until the run's `wait` task has poked `count` times (read from the sensor's stored progress).
    static func waitForPokes(_ ref: DagRunRef, atLeast count: Int, database: EventideDatabase) async throws {
        try await WaitDeadline.default.enforce(waitingFor: "\(count) pokes of \(ref)") {
            while (try await SensorProgress.read(ref, taskId: "wait", tryNumber: 1, in: database)?.pokes ?? 0) < count {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    static func sensorRun(_ ref: DagRunRef, database: EventideDatabase, scheduler: Scheduler) async throws -> SensorRun
    {
        guard let run = try await scheduler.run(ref), let wait = run.task("wait"),
            let progress = try await SensorProgress.read(
                ref, taskId: "wait", tryNumber: max(wait.tryNumber, 1), in: database)
        else { throw ScenarioError.sensorNotRun(dagId: ref.dagId) }
        return SensorRun(
            dagId: ref.dagId, state: wait.state, pokes: progress.pokes, returned: wait.returnValue,
            rowsRead: run.task("report")?.returnValue?["rows_read"]?.intValue,
            waitedSeconds: (wait.endedAt ?? progress.lastPokeAt).timeIntervalSince(progress.firstPokeAt))
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        [
            "anti-pattern, 'any rows' (a truthy COUNT(*)): fired with \(outcome.rowsWhenAnyRowsFired) of \(outcome.rowsLoaded) rows committed, its report read \(outcome.anyRows.rowsRead ?? 0)",
            "row-count threshold (>= \(outcome.rowsLoaded)) and flag table: reports read \(outcome.rowCount.rowsRead ?? 0) and \(outcome.flag.rowsRead ?? 0) rows; the flag sensor handed \(outcome.flag.returned ?? .null)",
            "failure callable: the failed load failed its sensor at poke \(outcome.failedLoad.pokes) (\(outcome.failedLoad.state.rawValue)); failOnEmpty: \(outcome.strictUnregistered.state.rawValue) at poke \(outcome.strictUnregistered.pokes), without it \(outcome.patientUnregistered.pokes) pokes until the timeout",
            "a query that writes: sensor \(outcome.writingSensor.state.rawValue), the flag unchanged (\(outcome.flagAfterWritingSensor ?? "none"))",
            "query results handed on: export runs got \(outcome.exports.map { "\($0.count)" }.joined(separator: " and ")) orders; \(outcome.exportedOrders) of \(outcome.paidOrders) paid orders exported, each once: \(Set(outcome.exports.joined()).count == outcome.exports.joined().count)",
        ]
    }
}
