import Eventide
import EventideCLI
import Foundation

/// Drives `WatcherConfig.swift`: the late folder appears only after its watcher has restarted twice, the
/// missing one never does, the manifest never arrives (a deferred sensor and a plain check with the same retry
/// policy), and four files land in the CSV zone; measures each watcher's status and each task's tries.
extension WatcherConfig {
    static let item = "117.1.2"
    static let title = "Watcher Configuration Options"

    struct Configuration: Sendable {
        var retries = 6
        var retryDelay: Duration = .milliseconds(40)
        var sensorTimeout: Duration = .milliseconds(500)  // well after check_manifest's retries, even under load
        /// Extra environment, as if exported by the user: connections defined here win over the process's.
        var environment: [String: String] = ProcessInfo.processInfo.environment
        /// Restart back-offs, retry delays and the sensor's timeout are measured on it; it stamps runs and events.
        var clock: EventideClock = .system
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        /// `late_zone` names a folder that exists, so its watcher cannot show a restart.
        case lateZoneExists(path: String)

        var description: String {
            switch self {
            case .lateZoneExists(let path):
                "late_zone names \(path), which exists; the example creates that folder after the watcher has "
                    + "restarted: point AIRFLOW_CONN_LATE_ZONE at a folder that does not exist yet, or unset it"
            }
        }
    }

    /// The unknown connection the example asks for, as `ConnectionError.unknown` reported it.
    struct UnknownConnection: Codable, Sendable, Hashable {
        let id: String
        let known: [String]
    }

    struct RestartResult: Codable, Sendable, Hashable {
        let watcher: String
        let allowedRestarts: Int
        let restarts: Int
        let finalState: WatcherStatus.State
        /// `lastError` while it was restarting (nil for a watcher read only at the end).
        let errorWhileRestarting: String?
        /// `lastError` at the end: cleared once a watcher has recovered, kept when it failed.
        let lastError: String?
        let eventsRecorded: Int
    }

    /// One task of a run that never got what it waited for.
    struct TaskResult: Codable, Sendable, Hashable {
        let dagId: String
        let state: TaskState?
        let tries: Int
        /// 1 + the retry policy's retries.
        let allowedTries: Int
        /// The run's `endedAt − startedAt`.
        let runMilliseconds: Double
        let note: String?
    }

    struct FilterResult: Codable, Sendable, Hashable {
        let written: [String]
        let seen: Int
        let filtered: Int
        let recorded: [String]
        let extras: [[String: JSONValue]]
    }

    struct Outcome: Codable, Sendable {
        /// Connection id → its URI, credentials redacted.
        let connections: [String: String]
        let unknownConnection: UnknownConnection?
        let late: RestartResult
        let missing: RestartResult
        let timeoutMilliseconds: Double
        /// The deferred sensor with a timeout, and the plain check with the same retry policy.
        let deferredSensor: TaskResult
        let plainCheck: TaskResult
        let filtering: FilterResult
    }

    static let defaultZones = [("late_zone", "late"), ("missing_zone", "never-created"), ("csv_zone", "csv")]
    static let written = ["a.csv", "b.tmp", "empty.csv", "c.csv"]

    /// Refuses a store an earlier run used (`ExampleError.storeNotEmpty`): its counts start from nothing, and a
    /// reused `--db` would mix two runs' asset events.
    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        // Located (not emptied) first: a refused store keeps what an earlier run left beside it.
        let base = try database.folder("zones", fresh: false),
            manifests = try database.folder("manifests", fresh: false)
        timeline.abbreviate(base, as: "zones")
        var environment = configuration.environment
        for (id, folder) in defaultZones where environment["AIRFLOW_CONN_\(id.uppercased())"] == nil {
            environment["AIRFLOW_CONN_\(id.uppercased())"] = "file://\(base.appendingPathComponent(folder).path)"
        }
        let registry = ConnectionRegistry(environment: environment)
        let zones = try zones(registry)
        var unknown: UnknownConnection?
        do {
            let archive = try registry.connection("archive_zone")
            timeline.note("late_zone, missing_zone, csv_zone resolved; archive_zone too: \(archive.redacted)")
        } catch {
            if case .unknown(let id, let known) = error { unknown = UnknownConnection(id: id, known: known) }
            timeline.note("late_zone, missing_zone, csv_zone resolved; archive_zone: \(error)")
        }
        let restart = RetryPolicy(
            retries: configuration.retries, delay: configuration.retryDelay,
            exponentialBackoff: true, maxDelay: .seconds(2))
        let retry = RetryPolicy(retries: 2, delay: configuration.retryDelay)
        let watched = try assets(zones, restart: restart, clock: configuration.clock)
        let orchestrator = Orchestrator(database: database, clock: configuration.clock)
        try await orchestrator.register(
            dags: try dags(watched, manifests: manifests, timeout: configuration.sensorTimeout, retry: retry),
            assets: [watched.late, watched.missing, watched.csv])
        try await orchestrator.requireFreshStore()
        _ = try database.folder("zones")  // emptied now that the store is known fresh
        _ = try database.folder("manifests")
        guard !FileManager.default.fileExists(atPath: zones.late.uri.path) else {
            throw ScenarioError.lateZoneExists(path: zones.late.uri.path)
        }
        try FileManager.default.createDirectory(at: zones.csv.uri, withIntermediateDirectories: true)

        let triggerer = orchestrator.triggerer, scheduler = orchestrator.scheduler
        let (late, missing, csv, sensorRun, checkRun) = try await orchestrator.withServices {
            // Restart policy: the late folder appears after two failed starts.
            let restarting = try await triggerer.waitFor(watcher: "late_watcher") { $0.restarts >= 2 }
            timeline.note(
                "late_watcher \(restarting.state.rawValue) (restarts: \(restarting.restarts)): "
                    + (restarting.lastError ?? "no error kept"))
            try FileManager.default.createDirectory(at: zones.late.uri, withIntermediateDirectories: true)
            try Data("x".utf8).write(to: zones.late.uri.appendingPathComponent("first.csv"))
            let recovered = try await triggerer.waitFor(watcher: "late_watcher") { $0.eventsRecorded == 1 }
            timeline.note(
                "late folder created → late_watcher \(recovered.state.rawValue) after \(recovered.restarts) "
                    + "restarts, \(recovered.eventsRecorded) event recorded, last error: "
                    + (recovered.lastError ?? "none (cleared on recovery)"))
            let failed = try await triggerer.waitFor(watcher: "missing_watcher", state: .failed)
            timeline.note(
                "missing_watcher \(failed.state.rawValue) after \(failed.restarts) restart(s): "
                    + (failed.lastError ?? "no error kept"))

            // The same retry policy, a timeout and a plain failure.
            try await scheduler.triggerRun("wait_for_manifest")
            try await scheduler.triggerRun("check_manifest")
            var finished: [DagRun] = []
            for dagId in ["wait_for_manifest", "check_manifest"] {
                let run = try await scheduler.waitForFinishedRuns(of: dagId, count: 1)
                finished += run
                for run in run {
                    let task = run.taskInstances.first
                    timeline.note(
                        "\(dagId) \(run.state.rawValue): task \(task?.state.rawValue ?? "none") on try "
                            + "\(task?.tryNumber ?? 0) of \(retry.retries + 1)",
                        at: run.endedAt ?? configuration.clock.date)
                }
            }

            // Filtering and extraction.
            for name in written {
                try Data(name == "empty.csv" ? [] : Array("id\n1\n".utf8)).write(
                    to: zones.csv.uri.appendingPathComponent(name))
            }
            let handled = try await triggerer.waitFor(watcher: "csv_watcher") { $0.eventsRecorded + $0.filtered >= 3 }
            timeline.note(
                "csv_watcher: wrote \(written.joined(separator: ", ")) → seen \(handled.eventsSeen), "
                    + "filtered \(handled.filtered), recorded \(handled.eventsRecorded)")
            return (
                RestartResult(
                    watcher: "late_watcher", allowedRestarts: restart.retries, restarts: recovered.restarts,
                    finalState: recovered.state, errorWhileRestarting: restarting.lastError,
                    lastError: recovered.lastError, eventsRecorded: recovered.eventsRecorded),
                RestartResult(
                    watcher: "missing_watcher", allowedRestarts: 1, restarts: failed.restarts,
                    finalState: failed.state, errorWhileRestarting: nil, lastError: failed.lastError,
                    eventsRecorded: failed.eventsRecorded),
                handled, finished.first { $0.dagId == "wait_for_manifest" },
                finished.first { $0.dagId == "check_manifest" }
            )
        }

        let csvEvents = try await scheduler.assetEvents(for: watched.csv.key)
        let taskResult = { (dagId: String, run: DagRun?) in
            TaskResult(
                dagId: dagId, state: run?.taskInstances.first?.state, tries: run?.taskInstances.first?.tryNumber ?? 0,
                allowedTries: retry.retries + 1, runMilliseconds: run.map(milliseconds) ?? 0,
                note: run?.taskInstances.first?.note)
        }
        let outcome = Outcome(
            connections: Dictionary(
                uniqueKeysWithValues: [zones.late, zones.missing, zones.csv].map { ($0.id, $0.redacted) }),
            unknownConnection: unknown, late: late, missing: missing,
            timeoutMilliseconds: configuration.sensorTimeout.inMilliseconds,
            deferredSensor: taskResult("wait_for_manifest", sensorRun),
            plainCheck: taskResult("check_manifest", checkRun),
            filtering: FilterResult(
                written: written, seen: csv.eventsSeen, filtered: csv.filtered,
                recorded: csvEvents.compactMap { $0.extra["file_name"]?.stringValue },
                extras: csvEvents.map(\.extra)))
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    static func milliseconds(_ run: DagRun) -> Double {
        guard let start = run.startedAt, let end = run.endedAt else { return 0 }
        return end.timeIntervalSince(start) * 1000
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let (late, missing) = (outcome.late, outcome.missing)
        let (sensor, check) = (outcome.deferredSensor, outcome.plainCheck)
        let tries = { (task: TaskResult) in
            "\(task.state?.rawValue ?? "no task") on try \(task.tries) of \(task.allowedTries)"
        }
        return [
            "restart policy: late_watcher \(late.finalState.rawValue) after \(late.restarts) of \(late.allowedRestarts) "
                + "allowed restarts, its last error cleared: \(late.errorWhileRestarting != nil && late.lastError == nil); "
                + "missing_watcher \(missing.finalState.rawValue) after \(missing.restarts) of \(missing.allowedRestarts), "
                + "its last error kept: \(missing.lastError != nil)",
            "one retry policy, two failures: wait_for_manifest (deferred, timeout "
                + String(format: "%.0f ms", outcome.timeoutMilliseconds) + ") \(tries(sensor)) after "
                + String(format: "%.0f ms", sensor.runMilliseconds) + "; check_manifest (plain error) \(tries(check)); "
                + "retried after the timeout: \(sensor.tries > 1), after the plain error: \(check.tries > 1)",
            "filters: \(outcome.filtering.written.count) files written, \(outcome.filtering.seen) passed the trigger's "
                + "*.csv, \(outcome.filtering.filtered) dropped by the watcher's filter, recorded: "
                + outcome.filtering.recorded.joined(separator: ", "),
            "extracted extra keys: \(Set(outcome.filtering.extras.flatMap(\.keys)).sorted().joined(separator: ", "))",
        ]
    }
}
