import Eventide
import EventideCLI
import Foundation

/// 117.1.2 — what a watcher is configured with beyond its trigger: how to restart it, how long a deferred
/// sensor may wait, which events to keep, what metadata to extract, and which connection to use.
enum WatcherConfig {
    static let item = "117.1.2"
    static let title = "Watcher Configuration Options"

    struct Configuration: Sendable {
        var retries = 6
        var retryDelay: Duration = .milliseconds(40)
        var sensorTimeout: Duration = .milliseconds(200)
        /// Extra environment, as if exported by the user: connections defined here win over the process's.
        var environment: [String: String] = ProcessInfo.processInfo.environment
    }

    struct RestartResult: Codable, Sendable, Hashable {
        let watcher: String
        let restarts: Int
        let finalState: WatcherStatus.State
        let lastError: String?
        let eventsRecorded: Int
    }

    struct FilterResult: Codable, Sendable, Hashable {
        let written: [String]
        let seen: Int
        let filtered: Int
        let recorded: [String]
        let extras: [[String: JSONValue]]
    }

    struct Outcome: Codable, Sendable {
        let connections: [String: String]
        let unknownConnectionError: String
        let late: RestartResult
        let missing: RestartResult
        let sensorTaskState: TaskState?
        let sensorTries: Int?
        let sensorNote: String?
        let filtering: FilterResult
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        // Connections: the landing folders live beside the database unless the user defined them.
        let base = try database.folder("zones")
        timeline.abbreviate(base, as: "zones")
        var environment = configuration.environment
        for (id, folder) in [("late_zone", "late"), ("missing_zone", "never-created"), ("csv_zone", "csv")] {
            let key = "AIRFLOW_CONN_\(id.uppercased())"
            if environment[key] == nil { environment[key] = "file://\(base.appendingPathComponent(folder).path)" }
        }
        let connections = ConnectionRegistry(environment: environment)
        let late = try connections.connection("late_zone"), missing = try connections.connection("missing_zone")
        let csv = try connections.connection("csv_zone")
        try FileManager.default.createDirectory(at: csv.uri, withIntermediateDirectories: true)
        var unknownError = ""
        do { _ = try connections.connection("archive_zone") } catch { unknownError = error.description }
        timeline.note("connections late_zone, missing_zone, csv_zone resolved; archive_zone: \(unknownError)")

        let restart = RetryPolicy(retries: configuration.retries, delay: configuration.retryDelay, exponentialBackoff: true,
                                  maxDelay: .seconds(2))
        let lateWatcher = AssetWatcher(name: "late_watcher", trigger: FileArrivalTrigger(directory: late.uri),
                                       restart: restart, connectionId: late.id)
        let missingRestart = RetryPolicy(retries: 1, delay: configuration.retryDelay)
        let missingWatcher = AssetWatcher(name: "missing_watcher", trigger: FileArrivalTrigger(directory: missing.uri),
                                          restart: missingRestart,
                                          connectionId: missing.id)
        let csvWatcher = AssetWatcher(
            name: "csv_watcher", trigger: FileArrivalTrigger(directory: csv.uri, suffixes: [".csv"]),
            filter: { ($0.payload["size"]?.intValue ?? 0) > 0 },
            extract: { event in
                ["file_name": event.payload["name"] ?? .null, "size_bytes": event.payload["size"] ?? .null,
                 "landing_zone": .string(csv.id)]
            },
            connectionId: csv.id)
        let lateAsset = try Asset(uri: late.uri.absoluteString, name: "late_files", watchers: [lateWatcher])
        let missingAsset = try Asset(uri: missing.uri.absoluteString, name: "missing_files", watchers: [missingWatcher])
        let csvAsset = try Asset(uri: csv.uri.absoluteString, name: "csv_files", watchers: [csvWatcher])
        let manifestFolder = try database.folder("manifests")
        let timeout = configuration.sensorTimeout
        let sensorRetry = RetryPolicy(retries: 2)
        let dags = [
            try DAG("consume_landings", schedule: .on(lateAsset | missingAsset | csvAsset),
                    tasks: [TaskDefinition("consume") { _ in .none }]),
            try DAG("wait_for_manifest", tasks: [TaskDefinition("wait", retry: sensorRetry) { context in
                _ = try await context.deferUntil(FileArrivalTrigger(directory: manifestFolder), timeout: timeout)
                return .none
            }]),
        ]
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: dags, assets: [lateAsset, missingAsset, csvAsset])
        let triggerer = orchestrator.triggerer, scheduler = orchestrator.scheduler
        let written = ["a.csv", "b.tmp", "empty.csv", "c.csv"]

        let (lateStatus, missingStatus, csvStatus, sensorRun) = try await orchestrator.withServices {
            // Restart policy: the late folder appears after two failed starts.
            let failing = try await triggerer.waitFor(watcher: "late_watcher") { $0.restarts >= 2 }
            timeline.note("late_watcher restarting (restarts: \(failing.restarts)): \(failing.lastError ?? "")")
            try FileManager.default.createDirectory(at: late.uri, withIntermediateDirectories: true)
            try Data("x".utf8).write(to: late.uri.appendingPathComponent("first.csv"))
            let recovered = try await triggerer.waitFor(watcher: "late_watcher") { $0.eventsRecorded == 1 }
            timeline.note("late folder created → late_watcher \(recovered.state.rawValue) after \(recovered.restarts) restarts, "
                + "\(recovered.eventsRecorded) event recorded")
            let failed = try await triggerer.waitFor(watcher: "missing_watcher", state: .failed)
            timeline.note("missing_watcher \(failed.state.rawValue) after \(failed.restarts) restart(s): "
                + (failed.lastError ?? ""))

            // Sensor timeout.
            try await scheduler.triggerRun("wait_for_manifest")
            let sensorRun = try await scheduler.waitForFinishedRuns(of: "wait_for_manifest", count: 1)[0]
            timeline.note("wait_for_manifest deferred with timeout \(timeout): task "
                + "\(sensorRun.task("wait")?.state.rawValue ?? "?") on try \(sensorRun.task("wait")?.tryNumber ?? 0)")

            // Filtering and extraction.
            for name in written {
                try Data(name == "empty.csv" ? [] : Array("id\n1\n".utf8)).write(to: csv.uri.appendingPathComponent(name))
            }
            let handled = try await triggerer.waitFor(watcher: "csv_watcher") { $0.eventsRecorded + $0.filtered >= 3 }
            timeline.note("csv_watcher: wrote \(written.joined(separator: ", ")) → seen \(handled.eventsSeen), "
                + "filtered \(handled.filtered), recorded \(handled.eventsRecorded)")
            return (recovered, failed, handled, sensorRun)
        }

        let csvEvents = try await scheduler.assetEvents(for: csvAsset.key)
        let outcome = Outcome(
            connections: Dictionary(uniqueKeysWithValues: [late, missing, csv].map { ($0.id, $0.redacted) }),
            unknownConnectionError: unknownError,
            late: RestartResult(watcher: "late_watcher", restarts: lateStatus.restarts, finalState: lateStatus.state,
                                lastError: lateStatus.lastError, eventsRecorded: lateStatus.eventsRecorded),
            missing: RestartResult(watcher: "missing_watcher", restarts: missingStatus.restarts,
                                   finalState: missingStatus.state, lastError: missingStatus.lastError,
                                   eventsRecorded: missingStatus.eventsRecorded),
            sensorTaskState: sensorRun.task("wait")?.state, sensorTries: sensorRun.task("wait")?.tryNumber,
            sensorNote: sensorRun.task("wait")?.note,
            filtering: FilterResult(written: written, seen: csvStatus.eventsSeen, filtered: csvStatus.filtered,
                                    recorded: csvEvents.compactMap { $0.extra["file_name"]?.stringValue },
                                    extras: csvEvents.map(\.extra)))
        let proved = [
            "restart policy: late_watcher recovered after \(lateStatus.restarts) restarts; missing_watcher "
                + "\(missingStatus.state.rawValue) after \(missingStatus.restarts) (retries: \(missingRestart.retries))",
            "deferred sensor timeout: task \(outcome.sensorTaskState?.rawValue ?? "?") on try \(outcome.sensorTries ?? 0) "
                + "of \(sensorRetry.retries + 1) (a timeout is not retried)",
            "filters: \(written.count) files written, \(csvStatus.eventsSeen) passed the trigger's *.csv, "
                + "\(csvStatus.filtered) dropped by the watcher's size filter, recorded: \(outcome.filtering.recorded.joined(separator: ", "))",
            "extracted extra keys: \(Set(csvEvents.flatMap(\.extra.keys)).sorted().joined(separator: ", "))",
        ]
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved)
    }
}
