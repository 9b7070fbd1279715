import Eventide
import EventideCLI
import Foundation
import Logging
import ServiceLifecycle

/// 117.1.5 — a watcher's life from registration to graceful shutdown, how to tell whether it is healthy,
/// and how to find and fix why it is not.
enum WatcherLifecycle {
    static let item = "117.1.5"
    static let title = "Watcher Lifecycle Management"

    struct Configuration: Sendable {
        var files = 2
    }

    struct HealthLine: Codable, Sendable, Hashable {
        let watcher: String
        let state: WatcherStatus.State
        let healthy: Bool
        let eventsSeen: Int
        let eventsRecorded: Int
        let restarts: Int
        let lastEventAgeMs: Double?
        let lastError: String?
    }

    struct Outcome: Codable, Sendable {
        /// Assets the scheduler waits on, and the watchers the triggerer registered for them.
        let scheduledAssets: [String]
        let registeredWatchers: [String]
        let duplicateRegistrationError: String
        let healthBeforeFix: [HealthLine]
        let diagnosis: String
        let healthAfterFix: [HealthLine]
        let transitions: [String: [WatcherStatus.State]]
        let runsOfConsumer: Int
        let stateAfterShutdown: [String: WatcherStatus.State]
    }

    static func health(_ statuses: [WatcherStatus], now: Date = Date()) -> [HealthLine] {
        statuses.map { status in
            HealthLine(watcher: status.name, state: status.state, healthy: status.isHealthy,
                       eventsSeen: status.eventsSeen, eventsRecorded: status.eventsRecorded, restarts: status.restarts,
                       lastEventAgeMs: status.lastEventAt.map { now.timeIntervalSince($0) * 1000 },
                       lastError: status.lastError)
        }
    }

    /// Reads a failed watcher's last error and says what to check.
    static func diagnose(_ status: WatcherStatus) -> String {
        diagnose(name: status.name, state: status.state, restarts: status.restarts, lastError: status.lastError,
                 connectionId: status.connectionId)
    }

    static func diagnose(name: String, state: WatcherStatus.State, restarts: Int, lastError: String?,
                         connectionId: String?) -> String {
        guard let error = lastError else { return "\(name): no error recorded" }
        let hint: String
        if error.contains("No such file or directory") {
            hint = "the source location does not exist: create it or fix the connection"
        } else if error.contains("Permission denied") {
            hint = "the triggerer may not read the source: fix its permissions"
        } else {
            hint = "see the error; check the connection \(connectionId ?? "(none)")"
        }
        return "\(name) is \(state.rawValue) after \(restarts) restart(s); \(hint)"
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let zones = try database.folder("zones")
        timeline.abbreviate(zones, as: "zones")
        let inboxFolder = zones.appendingPathComponent("inbox"), partnerFolder = zones.appendingPathComponent("partner")
        try FileManager.default.createDirectory(at: inboxFolder, withIntermediateDirectories: true)
        let inbox = try Asset(uri: inboxFolder.absoluteString, name: "inbox", watchers: [
            AssetWatcher(name: "inbox_watcher", trigger: FileArrivalTrigger(directory: inboxFolder), connectionId: "inbox_fs")])
        let partner = try Asset(uri: partnerFolder.absoluteString, name: "partner_drop", watchers: [
            AssetWatcher(name: "partner_watcher", trigger: FileArrivalTrigger(directory: partnerFolder),
                         restart: RetryPolicy(retries: 1, delay: .milliseconds(20)), connectionId: "partner_sftp")])
        let consumer = try DAG("ingest", schedule: .on(inbox | partner), assetTriggering: .perEvent,
                               tasks: [TaskDefinition("ingest") { _ in .none }])

        let orchestrator = Orchestrator(database: database)
        let triggerer = orchestrator.triggerer, scheduler = orchestrator.scheduler
        try await orchestrator.register(dags: [consumer], assets: [inbox, partner])
        let scheduled = await scheduler.scheduledAssetKeys.map(\.name).sorted()
        let registered = await triggerer.statuses.map(\.name)
        var duplicateError = ""
        do {
            try await triggerer.add(AssetWatcher(name: "inbox_watcher", trigger: FileArrivalTrigger(directory: zones)),
                                    for: partner.key)
        } catch { duplicateError = error.description }
        timeline.note("registered ingest on \(scheduled.joined(separator: " | ")): watchers \(registered.joined(separator: ", "))")
        timeline.note("registering a second inbox_watcher is refused: \(duplicateError)")

        let group = ServiceGroup(configuration: .init(services: [.init(service: orchestrator)],
                                                      logger: Logger(label: "eventide.example.lifecycle")))
        let (before, diagnosis, after) = try await withThrowingTaskGroup(of: ([HealthLine], String, [HealthLine])?.self) { tasks in
            tasks.addTask { try await group.run(); return nil }
            tasks.addTask {
                _ = try await triggerer.waitFor(watcher: "inbox_watcher", state: .running)
                let failed = try await triggerer.waitFor(watcher: "partner_watcher", state: .failed)
                timeline.note("started: inbox_watcher running; partner_watcher \(failed.state.rawValue)")
                for n in 1...configuration.files {
                    try Data("n=\(n)\n".utf8).write(to: inboxFolder.appendingPathComponent("doc-\(n).txt"))
                }
                _ = try await triggerer.waitFor(watcher: "inbox_watcher") { $0.eventsRecorded == configuration.files }
                let before = health(await triggerer.statuses)
                for line in before {
                    timeline.note("health: \(line.watcher) \(line.state.rawValue) healthy=\(line.healthy) "
                        + "recorded=\(line.eventsRecorded) restarts=\(line.restarts)"
                        + (line.lastError.map { " lastError=\"\($0)\"" } ?? ""))
                }
                let diagnosis = diagnose(failed)
                timeline.note("diagnosis: \(diagnosis)")

                // Fix the source, then start the watcher again by hand.
                try FileManager.default.createDirectory(at: partnerFolder, withIntermediateDirectories: true)
                try await triggerer.start(watcher: "partner_watcher")
                _ = try await triggerer.waitFor(watcher: "partner_watcher", state: .running)
                try Data("partner\n".utf8).write(to: partnerFolder.appendingPathComponent("drop-1.txt"))
                _ = try await triggerer.waitFor(watcher: "partner_watcher") { $0.eventsRecorded == 1 }
                timeline.note("fixed: partner folder created, partner_watcher started by hand and recorded 1 event")

                try await triggerer.stop(watcher: "inbox_watcher")
                _ = try await triggerer.waitFor(watcher: "inbox_watcher", state: .stopped)
                try await triggerer.start(watcher: "inbox_watcher")
                _ = try await triggerer.waitFor(watcher: "inbox_watcher", state: .running)
                timeline.note("inbox_watcher stopped and started again by hand")
                _ = try await scheduler.waitForFinishedRuns(of: "ingest", count: configuration.files + 1)
                let after = health(await triggerer.statuses)
                timeline.note("graceful shutdown requested")
                await group.triggerGracefulShutdown()
                return (before, diagnosis, after)
            }
            var result: ([HealthLine], String, [HealthLine])?
            for try await value in tasks { if let value { result = value } }
            return result!
        }
        let final = await triggerer.statuses
        timeline.note("service group returned; watchers: " + final.map { "\($0.name) \($0.state.rawValue)" }.joined(separator: ", "))

        let transitions = Dictionary(uniqueKeysWithValues: final.map { ($0.name, $0.history) })
        for (name, states) in transitions.sorted(by: { $0.key < $1.key }) {
            timeline.note("\(name): " + states.map(\.rawValue).joined(separator: " → "))
        }
        let outcome = Outcome(
            scheduledAssets: scheduled, registeredWatchers: registered, duplicateRegistrationError: duplicateError,
            healthBeforeFix: before, diagnosis: diagnosis, healthAfterFix: after, transitions: transitions,
            runsOfConsumer: try await scheduler.runs(of: "ingest").count,
            stateAfterShutdown: Dictionary(uniqueKeysWithValues: final.map { ($0.name, $0.state) }))
        let proved = [
            "startup → running for inbox_watcher; partner_watcher failed on its missing folder, as its restart policy allows",
            "health before the fix: " + before.map { "\($0.watcher) healthy=\($0.healthy)" }.joined(separator: ", ")
                + "; after: " + after.map { "\($0.watcher) healthy=\($0.healthy)" }.joined(separator: ", "),
            "events reached the scheduler through the registered watchers: \(outcome.runsOfConsumer) runs of ingest",
            "graceful shutdown stopped every watcher: \(final.allSatisfy { $0.state == .stopped })",
        ]
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved)
    }
}
