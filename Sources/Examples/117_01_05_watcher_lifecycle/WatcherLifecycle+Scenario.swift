import Eventide
import EventideCLI
import Foundation
import ServiceLifecycle

/// Drives the watchers of `WatcherLifecycle.swift` through a life: startup in a ServiceGroup (partner's folder
/// is missing, so it fails), a health report, the diagnosis and fix, a manual restart of a healthy watcher, and
/// a graceful shutdown.
extension WatcherLifecycle {
    static let item = "117.1.5"
    static let title = "Watcher Lifecycle Management"

    struct Configuration: Sendable {
        var files = 2
        var clock: EventideClock = .system
    }

    enum LifecycleError: Error, Equatable, CustomStringConvertible {
        case notRegistered(watcher: String)
        /// The service group returned before the scenario had finished with it.
        case serviceGroupEndedEarly

        var description: String {
            switch self {
            case .notRegistered(let watcher): "the watcher \(watcher) is not registered with the triggerer"
            case .serviceGroupEndedEarly: "the service group stopped before the scenario finished; see the log"
            }
        }
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
        /// A second `inbox_watcher` was refused with `TriggererError.duplicateWatcher`.
        let duplicateRegistrationRefused: Bool
        let healthBeforeFix: [HealthLine]
        let diagnosis: Diagnosis
        let healthAfterFix: [HealthLine]
        /// What inbox_watcher's re-scan on its manual restart found: files already in the folder.
        let filesFoundOnRestart: Int
        /// Each watcher's states, oldest first, as its status recorded them.
        let transitions: [String: [WatcherStatus.State]]
        let runsOfConsumer: Int
        let stateAfterShutdown: [String: WatcherStatus.State]
    }

    /// What the scenario saw while the service group ran.
    struct Observed: Sendable {
        let before: [HealthLine], diagnosis: Diagnosis, after: [HealthLine], foundOnRestart: Int
    }

    static func health(_ statuses: [WatcherStatus], now: Date) -> [HealthLine] {
        statuses.map { status in
            HealthLine(
                watcher: status.name, state: status.state, healthy: status.isHealthy,
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
            + " lastError=" + (line.lastError.map { "\"\($0)\"" } ?? "none")
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let clock = configuration.clock
        // Where the zones go; emptied only once the store is known to be new (a refusal touches nothing).
        let zonesFolder = try database.folder("zones", fresh: false)
        timeline.abbreviate(zonesFolder, as: "zones")
        let inboxFolder = zonesFolder.appendingPathComponent("inbox")
        let partnerFolder = zonesFolder.appendingPathComponent("partner")
        let zones = try Zones(inbox: inboxFolder, partner: partnerFolder, clock: clock)
        let orchestrator = Orchestrator(database: database, clock: clock)
        let triggerer = orchestrator.triggerer, scheduler = orchestrator.scheduler
        let group = try await serviceGroup(for: zones, orchestrator)
        try await orchestrator.requireFreshStore()
        _ = try database.folder("zones")
        try FileManager.default.createDirectory(at: inboxFolder, withIntermediateDirectories: true)

        let scheduled = await scheduler.scheduledAssetKeys.map(\.name).sorted()
        let registered = await triggerer.statuses.map(\.name)
        let refusal = await registrationRefusal(
            of: "inbox_watcher", on: triggerer, for: zones.partner.key,
            folder: zonesFolder)
        timeline.note(
            "registered ingest on \(scheduled.joined(separator: " | ")): watchers \(registered.joined(separator: ", "))"
        )
        timeline.note("registering a second inbox_watcher: " + (refusal.map { "refused, \($0)" } ?? "accepted"))

        let observed = try await withThrowingTaskGroup(of: Observed?.self) { tasks in
            tasks.addTask {
                try await group.run(); return nil
            }
            tasks.addTask {
                // A throw here leaves the task group, which cancels the service group with it.
                let observed = try await live(
                    configuration, zones: zones, inbox: inboxFolder, partner: partnerFolder,
                    orchestrator: orchestrator, timeline: timeline)
                timeline.note("graceful shutdown requested")
                await group.triggerGracefulShutdown()
                return observed
            }
            var observed: Observed?
            for try await value in tasks { if let value { observed = value } }
            guard let observed else { throw LifecycleError.serviceGroupEndedEarly }
            return observed
        }
        let final = await triggerer.statuses
        timeline.note(
            "service group returned; watchers: "
                + final.map { "\($0.name) \($0.state.rawValue)" }.joined(separator: ", "))
        let transitions = Dictionary(uniqueKeysWithValues: final.map { ($0.name, $0.history) })
        for (name, states) in transitions.sorted(by: { $0.key < $1.key }) {
            timeline.note("\(name)'s recorded history: " + states.map(\.rawValue).joined(separator: " → "))
        }
        let outcome = Outcome(
            scheduledAssets: scheduled, registeredWatchers: registered,
            duplicateRegistrationRefused: refusal == .duplicateWatcher("inbox_watcher"),
            healthBeforeFix: observed.before, diagnosis: observed.diagnosis, healthAfterFix: observed.after,
            filesFoundOnRestart: observed.foundOnRestart, transitions: transitions,
            runsOfConsumer: try await scheduler.runs(of: zones.ingest.dagId).count,
            stateAfterShutdown: Dictionary(uniqueKeysWithValues: final.map { ($0.name, $0.state) }))
        return ExampleReport(
            item: item, title: title, outcome: outcome, timeline: timeline,
            proved: proved(outcome, partnerRetries: zones.partner.watchers.first?.restart.retries ?? 0))
    }

    /// Registers a second watcher under `name`: the triggerer's refusal, or nil if it accepted it.
    static func registrationRefusal(
        of name: String, on triggerer: Triggerer, for asset: AssetKey,
        folder: URL
    ) async -> TriggererError? {
        let duplicate = AssetWatcher(name: name, trigger: FileArrivalTrigger(directory: folder))
        do throws(TriggererError) {
            try await triggerer.add(duplicate, for: asset)
            return nil
        } catch {
            return error
        }
    }

    /// The life while the service group runs: startup, health, diagnosis and fix, a manual restart, shutdown.
    static func live(
        _ configuration: Configuration, zones: Zones, inbox inboxFolder: URL, partner partnerFolder: URL,
        orchestrator: Orchestrator, timeline: Timeline
    ) async throws -> Observed {
        let triggerer = orchestrator.triggerer, clock = configuration.clock
        _ = try await triggerer.waitFor(watcher: "inbox_watcher", state: .running)
        let failed = try await triggerer.waitFor(watcher: "partner_watcher", state: .failed)
        timeline.note(
            "started: inbox_watcher running; partner_watcher \(failed.state.rawValue) "
                + "after \(failed.restarts) restart(s)")
        for n in 1...configuration.files {
            try Data("n=\(n)\n".utf8).write(to: inboxFolder.appendingPathComponent("doc-\(n).txt"))
        }
        try Data().write(to: inboxFolder.appendingPathComponent("empty.txt"))  // dropped by the size filter
        let written = configuration.files + 1
        _ = try await triggerer.waitFor(watcher: "inbox_watcher") { handled($0) == written }
        let before = health(await triggerer.statuses, now: clock.date)
        for line in before { timeline.note("health: " + describe(line)) }
        let diagnosis = diagnose(
            failed.state, lastError: failed.lastError, watching: partnerFolder,
            connectionId: failed.connectionId)
        timeline.note("diagnosis of partner_watcher: \(diagnosis)")

        // Fix the source, then start the watcher again by hand: running again, its error is cleared.
        try FileManager.default.createDirectory(at: partnerFolder, withIntermediateDirectories: true)
        try await triggerer.start(watcher: "partner_watcher")
        let recovered = try await triggerer.waitFor(watcher: "partner_watcher", state: .running)
        timeline.note(
            "fixed: partner/ created, partner_watcher started by hand: \(recovered.state.rawValue), "
                + "lastError " + (recovered.lastError == nil ? "cleared" : "still set"))
        try Data("partner\n".utf8).write(to: partnerFolder.appendingPathComponent("drop-1.txt"))
        let partnerNow = try await triggerer.waitFor(watcher: "partner_watcher") { $0.eventsRecorded == 1 }
        timeline.note("partner_watcher recorded \(partnerNow.eventsRecorded) event from partner/")

        // A manual restart of a healthy watcher: the trigger re-scans the folder, so every file there comes again.
        guard let handledBefore = await triggerer.status(of: "inbox_watcher").map(handled) else {
            throw LifecycleError.notRegistered(watcher: "inbox_watcher")
        }
        try await triggerer.stop(watcher: "inbox_watcher")
        _ = try await triggerer.waitFor(watcher: "inbox_watcher", state: .stopped)
        let present = try FileManager.default.contentsOfDirectory(atPath: inboxFolder.path).count
        try await triggerer.start(watcher: "inbox_watcher")
        let rescanned = try await triggerer.waitFor(watcher: "inbox_watcher") {
            $0.state == .running && handled($0) == handledBefore + present
        }
        timeline.note(
            "inbox_watcher stopped and started again by hand: its re-scan saw the \(present) files "
                + "already in inbox/ again; duplicates=\(rescanned.duplicates), filtered=\(rescanned.filtered)")
        let recorded = await triggerer.statuses.map(\.eventsRecorded).reduce(0, +)
        _ = try await orchestrator.scheduler.waitForFinishedRuns(of: zones.ingest.dagId, count: recorded)
        let after = health(await triggerer.statuses, now: clock.date)
        for line in after { timeline.note("health: " + describe(line)) }
        return Observed(before: before, diagnosis: diagnosis, after: after, foundOnRestart: present)
    }

    /// A diagnosis in a few words, without the path (which differs per run).
    static func finding(_ diagnosis: Diagnosis) -> String {
        switch diagnosis {
        case .healthy: "healthy"
        case .folderMissing: "the watched folder was missing"
        case .notAFolder: "the watched path was not a folder"
        case .unexplained: "the source looked fine, the error is the only lead"
        }
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome, partnerRetries: Int) -> [String] {
        /// The states from registration to the first running or failed state.
        func startup(_ name: String) -> String {
            let states = outcome.transitions[name] ?? []
            let end = states.firstIndex { $0 == .running || $0 == .failed } ?? states.count - 1
            return states.prefix(end + 1).map(\.rawValue).joined(separator: " → ")
        }
        func line(_ lines: [HealthLine], _ name: String) -> HealthLine? { lines.first { $0.watcher == name } }
        let recorded = outcome.healthAfterFix.map(\.eventsRecorded).reduce(0, +)
        let duplicates = outcome.healthAfterFix.map(\.duplicates).reduce(0, +)
        let healthy = { (lines: [HealthLine]) in
            lines.map { "\($0.watcher) healthy=\($0.healthy)" }.joined(separator: ", ")
        }
        let errorBefore = line(outcome.healthBeforeFix, "partner_watcher")?.lastError != nil
        let errorAfter = line(outcome.healthAfterFix, "partner_watcher")?.lastError != nil
        return [
            "startup: inbox_watcher " + startup("inbox_watcher") + "; partner_watcher " + startup("partner_watcher")
                + " (its policy allows \(partnerRetries) restart)",
            "health before the fix: \(healthy(outcome.healthBeforeFix)); after: \(healthy(outcome.healthAfterFix))",
            "partner_watcher's lastError while failed: \(errorBefore ? "set" : "none"); once it ran again: "
                + (errorAfter ? "still set" : "cleared") + "; diagnosed: \(finding(outcome.diagnosis))",
            "events reached the scheduler through the registered watchers: \(outcome.runsOfConsumer) runs of ingest "
                + "for \(recorded) recorded events; \(duplicates) redelivered on the restart were recorded as duplicates "
                + "(one run per recorded event: \(outcome.runsOfConsumer == recorded))",
            "graceful shutdown stopped every watcher: \(outcome.stateAfterShutdown.values.allSatisfy { $0 == .stopped })",
        ]
    }
}
