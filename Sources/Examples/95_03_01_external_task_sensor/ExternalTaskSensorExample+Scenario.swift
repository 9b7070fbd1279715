import Eventide
import EventideCLI
import Foundation

/// Drives `ExternalTaskSensorExample.swift`: reports waiting on `load_orders` at the same date, an hour earlier
/// and over two days, a failed load (fail fast vs wait out the timeout), an asset-triggered run without a
/// logical date, and two contradicting configurations refused.
extension ExternalTaskSensorExample {
    static let item = "95.3.1"
    static let title = "External Task Sensor Events"
    /// The logical date of "today"'s load (fixed, so the narrative is the same every run).
    static let today = Date(timeIntervalSince1970: 1_796_083_200)  // 2026-12-01T00:00:00Z

    struct Configuration: Sendable {
        var pokeInterval: Duration = .milliseconds(50)
        /// The timeout of `patient_report`, which waits out a failed load.
        var patientTimeout: Duration = .milliseconds(500)
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        case runNotFound(DagRunRef)
        var description: String {
            switch self {
            case .runNotFound(let ref): "run \(ref) did not finish; the executor is broken"
            }
        }
    }

    /// One report run: the dates its sensor looked at and how it ended.
    struct ReportRun: Codable, Sendable, Hashable {
        let dagId: String
        let mode: SensorMode
        let logicalDate: Date?
        let lookedAt: [Date]
        let sensorState: TaskState?
        let reportState: TaskState?
        let pokes: Int
        /// From the sensor's start to its end.
        let waitedMilliseconds: Double
    }

    struct Outcome: Codable, Sendable {
        let sameDate: [ReportRun]
        let hourEarlier: ReportRun
        let twoDays: ReportRun
        let failFast: ReportRun
        let waitOut: ReportRun
        let assetTriggered: ReportRun
        let refusedBothDateArguments: Bool
        let refusedOverlappingStates: Bool
    }

    static func dags(_ configuration: Configuration) throws -> [DAG] {
        let interval = configuration.pokeInterval
        let normal = SensorSettings(pokeInterval: interval, timeout: .seconds(30))
        return [
            try loadOrders(),
            try report("report_same_date", try sameDate(), normal),
            try report(
                "report_deferred", try sameDate(),
                SensorSettings(mode: .deferrable, pokeInterval: interval, timeout: .seconds(30))),
            try report(
                "rollup_hour_later", try hourEarlier(),
                SensorSettings(mode: .reschedule, pokeInterval: interval, timeout: .seconds(30))),
            try report("quality_two_days", try twoDays(), normal),
            try report("strict_report", try failFast(), normal),
            try report(
                "patient_report", try sameDate(),
                SensorSettings(pokeInterval: interval, timeout: configuration.patientTimeout)),
            try report("asset_report", try sameDate(), normal, schedule: .on([try ordersReady()])),
        ]
    }

    static func ordersReady() throws -> Asset { try Asset(name: "orders_ready", uri: "s3://lake/orders/_READY") }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: try dags(configuration), assets: [try ordersReady()])
        try await orchestrator.requireFreshStore()
        let scheduler = orchestrator.scheduler
        let yesterday = today.addingTimeInterval(-86_400)
        let tomorrow = today.addingTimeInterval(86_400)
        let outcome = try await orchestrator.withServices {
            // 1, 2: two reports wait for today's load, in poke and in deferrable mode.
            let same = try await scheduler.triggerRun("report_same_date", logicalDate: today)
            let deferred = try await scheduler.triggerRun("report_deferred", logicalDate: today)
            try await waitUntil { try await pokes(same, orchestrator) >= 1 }
            try await waitUntil { try await scheduler.run(deferred)?.task("wait_for_load_orders")?.state == .deferred }
            timeline.note(
                "report_same_date (poke) and report_deferred (deferred) wait for load_orders at \(day(today))")
            try await load(today, orchestrator, timeline)
            let sameDateRuns = [
                try await result(same, mode: .poke, sensor: try sameDate(), orchestrator, timeline),
                try await result(deferred, mode: .deferrable, sensor: try sameDate(), orchestrator, timeline),
            ]
            // 3: aligned dates: an hour later with execution_delta; two days of the quality group with a date fn.
            let hour = try await scheduler.triggerRun("rollup_hour_later", logicalDate: today.addingTimeInterval(3600))
            let hourRun = try await result(
                hour, mode: .reschedule, sensor: try hourEarlier(), orchestrator, timeline)
            let two = try await scheduler.triggerRun("quality_two_days", logicalDate: today)
            try await waitUntil { try await pokes(two, orchestrator) >= 1 }
            timeline.note("quality_two_days waits: load_orders at \(day(yesterday)) has not run")
            try await load(yesterday, orchestrator, timeline)
            let twoDaysRun = try await result(two, mode: .poke, sensor: try twoDays(), orchestrator, timeline)
            // 4: tomorrow's load fails: one report fails at once, the other waits out its timeout.
            try await load(tomorrow, orchestrator, timeline, fail: true)
            let strict = try await scheduler.triggerRun("strict_report", logicalDate: tomorrow)
            let patient = try await scheduler.triggerRun("patient_report", logicalDate: tomorrow)
            let failFastRun = try await result(strict, mode: .poke, sensor: try failFast(), orchestrator, timeline)
            let waitOutRun = try await result(patient, mode: .poke, sensor: try sameDate(), orchestrator, timeline)
            // An asset-triggered run has no logical date to align.
            let recorded = try await scheduler.recordAssetEvent(try ordersReady().key, source: .api(messageId: nil))
            timeline.note("asset event #\(recorded.event.id) on orders_ready creates a run of asset_report")
            guard let assetRun = try await scheduler.waitForFinishedRuns(of: "asset_report", count: 1).first?.ref else {
                throw ScenarioError.runNotFound(DagRunRef(dagId: "asset_report", runId: "?"))
            }
            let assetTriggered = try await result(assetRun, mode: .poke, sensor: try sameDate(), orchestrator, timeline)
            return Outcome(
                sameDate: sameDateRuns, hourEarlier: hourRun, twoDays: twoDaysRun, failFast: failFastRun,
                waitOut: waitOutRun,
                assetTriggered: assetTriggered, refusedBothDateArguments: refusesBothDateArguments(timeline),
                refusedOverlappingStates: refusesOverlappingStates(timeline))
        }
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }
}

extension ExternalTaskSensorExample {
    static func day(_ date: Date?) -> String {
        guard let date else { return "no logical date" }
        return String(EventTime.format(date).prefix(16))
    }

    /// Runs load_orders at `date` to its end.
    static func load(_ date: Date, _ orchestrator: Orchestrator, _ timeline: Timeline, fail: Bool = false) async throws
    {
        let ref = try await orchestrator.scheduler.triggerRun(
            "load_orders", conf: fail ? ["fail": true] : [:], logicalDate: date)
        let run = try await finished(ref, orchestrator.scheduler)
        timeline.note("load_orders at \(day(date)): \(run.state.rawValue)", at: run.endedAt ?? Date())
    }

    static func finished(_ ref: DagRunRef, _ scheduler: Scheduler) async throws -> DagRun {
        try await waitUntil { try await scheduler.run(ref)?.state.isFinished == true }
        guard let run = try await scheduler.run(ref) else { throw ScenarioError.runNotFound(ref) }
        return run
    }

    static func result(
        _ ref: DagRunRef, mode: SensorMode, sensor: ExternalTaskSensor, _ orchestrator: Orchestrator,
        _ timeline: Timeline
    ) async throws -> ReportRun {
        let run = try await finished(ref, orchestrator.scheduler)
        let task = run.task("wait_for_load_orders")
        var waited = 0.0
        if let started = task?.startedAt, let ended = task?.endedAt { waited = ended.timeIntervalSince(started) * 1000 }
        let lookedAt = run.logicalDate.map(sensor.dates(for:)) ?? []
        let result = ReportRun(
            dagId: ref.dagId, mode: mode, logicalDate: run.logicalDate, lookedAt: lookedAt, sensorState: task?.state,
            reportState: run.task("build_report")?.state, pokes: try await pokes(ref, orchestrator),
            waitedMilliseconds: waited)
        timeline.note(
            "\(ref.dagId) at \(day(run.logicalDate)) (\(mode)) looked at load_orders "
                + (lookedAt.isEmpty ? "nowhere" : lookedAt.map(day).joined(separator: " and "))
                + ": wait_for_load_orders \(task?.state.rawValue ?? "-") after \(result.pokes) poke(s), "
                + "build_report \(result.reportState?.rawValue ?? "-")")  // noted in the scenario's order
        return result
    }

    static func pokes(_ ref: DagRunRef, _ orchestrator: Orchestrator) async throws -> Int {
        try await SensorProgress.read(ref, taskId: "wait_for_load_orders", tryNumber: 1, in: orchestrator.database)?
            .pokes ?? 0
    }

    /// Polls the store until `condition` holds (the scenario watches tasks it does not await).
    static func waitUntil(_ condition: @escaping @Sendable () async throws -> Bool) async throws {
        try await WaitDeadline.seconds(30).poll(waitingFor: "the reports to reach the awaited state", until: condition)
    }

    static func refusesBothDateArguments(_ timeline: Timeline) -> Bool {
        do {
            _ = try ExternalTaskSensor(
                externalDagId: "load_orders", executionDelta: .seconds(3600), executionDateFn: { [$0] })
            return false
        } catch {
            timeline.note("refused: execution_delta and execution_date_fn together")
            return true
        }
    }

    static func refusesOverlappingStates(_ timeline: Timeline) -> Bool {
        do {
            _ = try ExternalTaskSensor(
                externalDagId: "load_orders", allowedStates: [.success, .skipped], skippedStates: [.skipped])
            return false
        } catch {
            timeline.note("refused: skipped both in allowed_states and skipped_states")
            return true
        }
    }

    static func proved(_ outcome: Outcome) -> [String] {
        let line = { (run: ReportRun) in
            "\(run.dagId): \(run.sensorState?.rawValue ?? "-") after \(run.pokes) poke(s)"
        }
        return [
            "same logical date: " + outcome.sameDate.map(line).joined(separator: "; "),
            "execution_delta 1h: " + line(outcome.hourEarlier) + "; execution_date_fn over 2 days: "
                + line(outcome.twoDays),
            "failed load: with failed_states " + line(outcome.failFast)
                + String(format: " in %.0f ms", outcome.failFast.waitedMilliseconds)
                + "; without " + line(outcome.waitOut)
                + String(format: " in %.0f ms (its timeout)", outcome.waitOut.waitedMilliseconds),
            "asset-triggered run (no logical date): " + line(outcome.assetTriggered),
            "refused: both date arguments \(outcome.refusedBothDateArguments), overlapping states \(outcome.refusedOverlappingStates)",
        ]
    }
}
