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
        /// Redelivered events the message id recognised: acknowledged, not recorded again.
        let duplicates: Int
        /// Events the watcher's filter dropped.
        let filtered: Int
        let restarts: Int
        let lastEventAt: Date?
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
        /// What inbox_watcher's re-scan on its manual restart found: files already in the folder.
        let filesFoundOnRestart: Int
        let transitions: [String: [WatcherStatus.State]]
        let runsOfConsumer: Int
        let stateAfterShutdown: [String: WatcherStatus.State]
    }

    static func health(_ statuses: [WatcherStatus], now: Date = Date()) -> [HealthLine] {
        statuses.map { status in
            HealthLine(watcher: status.name, state: status.state, healthy: status.isHealthy,
                       eventsSeen: status.eventsSeen, eventsRecorded: status.eventsRecorded,
                       duplicates: status.duplicates, filtered: status.filtered, restarts: status.restarts,
                       lastEventAt: status.lastEventAt,
                       lastEventAgeMs: status.lastEventAt.map { now.timeIntervalSince($0) * 1000 },
                       lastError: status.lastError)
        }
    }

    /// Events the watcher has finished with: recorded, recognised as duplicates, or filtered out.
    static func handled(_ status: WatcherStatus) -> Int {
        status.eventsRecorded + status.duplicates + status.filtered
    }

    /// One line of the health report.
    static func describe(_ line: HealthLine) -> String {
        "\(line.watcher) \(line.state.rawValue) healthy=\(line.healthy) seen=\(line.eventsSeen) "
            + "recorded=\(line.eventsRecorded) duplicates=\(line.duplicates) filtered=\(line.filtered) "
            + "restarts=\(line.restarts)"
            + (line.lastEventAgeMs.map { String(format: " last event %.0f ms ago", $0) } ?? " no event yet")
            + (line.lastError.map { " lastError=\"\($0)\"" } ?? "")
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
            AssetWatcher(name: "inbox_watcher", trigger: FileArrivalTrigger(directory: inboxFolder),
                         filter: { ($0.payload["size"]?.intValue ?? 0) > 0 }, connectionId: "inbox_fs")])
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
        let (before, diagnosis, after, foundOnRestart) = try await withThrowingTaskGroup(
            of: ([HealthLine], String, [HealthLine], Int)?.self) { tasks in
            tasks.addTask { try await group.run(); return nil }
            tasks.addTask {
                _ = try await triggerer.waitFor(watcher: "inbox_watcher", state: .running)
                let failed = try await triggerer.waitFor(watcher: "partner_watcher", state: .failed)
                timeline.note("started: inbox_watcher running; partner_watcher \(failed.state.rawValue)")
                for n in 1...configuration.files {
                    try Data("n=\(n)\n".utf8).write(to: inboxFolder.appendingPathComponent("doc-\(n).txt"))
                }
                try Data().write(to: inboxFolder.appendingPathComponent("empty.txt"))  // dropped by the size filter
                let written = configuration.files + 1
                _ = try await triggerer.waitFor(watcher: "inbox_watcher") { handled($0) == written }
                let before = health(await triggerer.statuses)
                for line in before { timeline.note("health: " + describe(line)) }
                let diagnosis = diagnose(failed)
                timeline.note("diagnosis: \(diagnosis)")

                // Fix the source, then start the watcher again by hand.
                try FileManager.default.createDirectory(at: partnerFolder, withIntermediateDirectories: true)
                try await triggerer.start(watcher: "partner_watcher")
                _ = try await triggerer.waitFor(watcher: "partner_watcher", state: .running)
                try Data("partner\n".utf8).write(to: partnerFolder.appendingPathComponent("drop-1.txt"))
                _ = try await triggerer.waitFor(watcher: "partner_watcher") { $0.eventsRecorded == 1 }
                timeline.note("fixed: partner folder created, partner_watcher started by hand and recorded 1 event")

                // A manual restart: the trigger re-scans the folder, so every file there is seen again.
                guard let handledBefore = await triggerer.status(of: "inbox_watcher").map(handled) else {
                    throw ExampleError("inbox_watcher is not registered")
                }
                try await triggerer.stop(watcher: "inbox_watcher")
                _ = try await triggerer.waitFor(watcher: "inbox_watcher", state: .stopped)
                let present = try FileManager.default.contentsOfDirectory(atPath: inboxFolder.path).count
                try await triggerer.start(watcher: "inbox_watcher")
                let rescanned = try await triggerer.waitFor(watcher: "inbox_watcher") {
                    $0.state == .running && handled($0) == handledBefore + present
                }
                timeline.note("inbox_watcher stopped and started again by hand: its re-scan saw the \(present) files "
                    + "already in inbox/ again; duplicates=\(rescanned.duplicates), filtered=\(rescanned.filtered)")
                _ = try await scheduler.waitForFinishedRuns(of: "ingest", count: configuration.files + 1)
                let after = health(await triggerer.statuses)
                for line in after { timeline.note("health: " + describe(line)) }
                timeline.note("graceful shutdown requested")
                await group.triggerGracefulShutdown()
                return (before, diagnosis, after, present)
            }
            var result: ([HealthLine], String, [HealthLine], Int)?
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
            healthBeforeFix: before, diagnosis: diagnosis, healthAfterFix: after, filesFoundOnRestart: foundOnRestart,
            transitions: transitions,
            runsOfConsumer: try await scheduler.runs(of: "ingest").count,
            stateAfterShutdown: Dictionary(uniqueKeysWithValues: final.map { ($0.name, $0.state) }))
        let partnerRetries = partner.watchers[0].restart.retries
        /// The states from registration to the first running or failed state.
        func startup(_ name: String) -> String {
            let states = transitions[name] ?? []
            let end = states.firstIndex { $0 == .running || $0 == .failed } ?? states.count - 1
            return states.prefix(end + 1).map(\.rawValue).joined(separator: " → ")
        }
        let recorded: Int = after.map(\.eventsRecorded).reduce(0, +)
        let duplicates: Int = after.map(\.duplicates).reduce(0, +)
        let healthBefore: String = before.map { "\($0.watcher) healthy=\($0.healthy)" }.joined(separator: ", ")
        let healthAfter: String = after.map { "\($0.watcher) healthy=\($0.healthy)" }.joined(separator: ", ")
        let proved = [
            "startup: inbox_watcher " + startup("inbox_watcher") + "; partner_watcher " + startup("partner_watcher")
                + " (its policy allows \(partnerRetries) restart)",
            "health before the fix: \(healthBefore); after: \(healthAfter)",
            "events reached the scheduler through the registered watchers: \(outcome.runsOfConsumer) runs of ingest "
                + "for \(recorded) recorded events; \(duplicates) redelivered on the restart were recorded as duplicates "
                + "(one run per recorded event: \(outcome.runsOfConsumer == recorded))",
            "graceful shutdown stopped every watcher: \(final.allSatisfy { $0.state == .stopped })",
        ]
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved)
    }
}
