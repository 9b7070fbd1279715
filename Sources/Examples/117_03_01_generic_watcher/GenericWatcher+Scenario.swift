import Eventide
import EventideCLI
import Foundation

/// Drives the audit watcher of `GenericWatcher.swift`: it starts before the file exists, then the "system" writes
/// half a line, a malformed line, rotates the file, and the watcher is stopped and started; the scenario records
/// what reached the asset at each step.
extension GenericWatcher {
    static let item = "117.3.1"
    static let title = "Generic Event Watcher Pattern"

    struct Configuration: Sendable {
        var interval: Duration = .milliseconds(20)
        var clock: EventideClock = .system
    }

    struct Entry: Codable, Sendable, Hashable {
        let eventId: Int64
        let user: String
        let action: String
        let messageId: String
    }

    struct DeadLetterEntry: Codable, Sendable, Hashable {
        let messageId: String?
        /// The line as the trigger read it, when it was not JSON.
        let line: String?
        let reason: String
    }

    struct Outcome: Codable, Sendable {
        let uri: String
        let file: String
        let schemes: [String]
        let trigger: String
        let entries: [Entry]
        let deadLetters: [DeadLetterEntry]
        /// Restarts while the file was missing, and the error they restarted on (seen while restarting: a
        /// recovered watcher's status no longer carries it).
        let restarts: Int
        let firstError: String?
        /// Events seen before half a line was written, and while only that half was there.
        let seenBeforeHalfLine: Int
        let seenMidLine: Int
        let duplicates: Int
        let runs: Int
        /// After the stop: entries recorded before it, and the checkpoint (inode offset) the restart resumed from.
        let recordedBeforeStop: Int
        let checkpointAtStop: String
        let rotatedFile: String
        let checkpointAtEnd: String
        let fileSizeAtEnd: Int
    }

    static func line(_ user: String, _ action: String) -> String {
        #"{"user": "\#(user)", "action": "\#(action)"}"# + "\n"
    }

    static func append(_ text: String, to file: URL) throws {
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    static func readCheckpoint(_ url: URL) -> String {
        (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let clock = configuration.clock
        // Where the audit log goes; emptied only once the store is known to be new (a refusal touches nothing).
        let folder = try database.folder("audit", fresh: false)
        timeline.abbreviate(folder, as: "/…/audit")
        let file = folder.appendingPathComponent("audit.jsonl")
        let registry = registry(log: EventLog(database: database, clock: clock), clock: clock)
        let uri = "jsonl://\(file.path)?interval=\(Int(configuration.interval.inMilliseconds))"
        let pipeline = try AuditPipeline(source: uri, file: file, registry: registry)
        let orchestrator = Orchestrator(database: database, clock: clock)
        try await orchestrator.register(dags: [pipeline.review], assets: [pipeline.audit])
        try await orchestrator.requireFreshStore()
        _ = try database.folder("audit")
        timeline.note("registered schemes \(registry.schemes); AssetWatcher(\(watcherName), source: \(uri))")

        let triggerer = orchestrator.triggerer, scheduler = orchestrator.scheduler
        let checkpoint = file.appendingPathExtension("offset")
        let rotated = "audit.jsonl.1"
        struct Seen: Sendable {
            let status: WatcherStatus, restarting: WatcherStatus
            let beforeHalfLine: Int, midLine: Int, beforeStop: Int, checkpointAtStop: String
        }
        let seen = try await orchestrator.withServices {
            // The system starts later than the watcher: the trigger fails, the watcher restarts until the file exists.
            let restarting = try await triggerer.waitFor(watcher: watcherName) { $0.restarts >= 2 }
            timeline.note(
                "audit.jsonl does not exist yet: the watcher restarted \(restarting.restarts) times "
                    + "(policy: every \(pipeline.watcher.restart.delay))")
            try Data((line("ana", "login") + line("ben", "export")).utf8).write(to: file)
            let created = try await triggerer.waitFor(watcher: watcherName) { $0.eventsRecorded == 2 }
            timeline.note("the system created audit.jsonl with 2 lines: recorded \(created.eventsRecorded)")

            // Half a line, then the rest: one event, when the newline arrives.
            try append(#"{"user": "cy", "act"#, to: file)
            try await clock.sleep(for: configuration.interval * 5)
            let midLine = await triggerer.status(of: watcherName)?.eventsSeen ?? 0
            timeline.note("half a line written, \(configuration.interval * 5) later: events seen \(midLine)")
            try append(#"ion": "delete"}"# + "\n" + "this is not json\n", to: file)
            let completed = try await triggerer.waitFor(watcher: watcherName) {
                $0.eventsRecorded == 3 && $0.deadLettered == 1
            }
            timeline.note(
                "its rest and a malformed line: recorded \(completed.eventsRecorded), "
                    + "dead-lettered \(completed.deadLettered)")

            // Rotation: the system renames the file and starts a new one.
            try append(line("dee", "grant"), to: file)
            try FileManager.default.moveItem(at: file, to: folder.appendingPathComponent(rotated))
            try Data((line("eli", "login") + line("fay", "revoke")).utf8).write(to: file)
            let afterRotation = try await triggerer.waitFor(watcher: watcherName) { $0.eventsRecorded == 6 }
            timeline.note(
                "1 more line, then audit.jsonl rotated to \(rotated) and a new file with 2 lines: "
                    + "recorded \(afterRotation.eventsRecorded)")

            // Stop, write while stopped, start: the checkpoint says where to go on. The scenario first waits until
            // the checkpoint names the whole file, so that the numbers below do not depend on timing; the stop
            // itself would let a line in hand be recorded and acknowledged (`Triggerer.drainTimeout`).
            let written = (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
            try await WaitDeadline.seconds(30).poll(waitingFor: "the checkpoint at the end of the new audit.jsonl") {
                readCheckpoint(checkpoint).split(separator: " ").last.map(String.init) == String(written)
            }
            try await triggerer.stop(watcher: watcherName)
            _ = try await triggerer.waitFor(watcher: watcherName, state: .stopped)
            let beforeStop = try await scheduler.assetEvents(for: pipeline.audit.key).count
            let checkpointAtStop = readCheckpoint(checkpoint)
            try append(line("gus", "export") + line("hal", "logout"), to: file)
            try await triggerer.start(watcher: watcherName)
            let status = try await triggerer.waitFor(watcher: watcherName) { $0.eventsRecorded == 8 }
            timeline.note(
                "stopped at checkpoint \(checkpointAtStop) with \(beforeStop) recorded; 2 lines written "
                    + "meanwhile; started again: recorded \(status.eventsRecorded)")
            _ = try await scheduler.waitUntilIdle([dagId])
            return Seen(
                status: status, restarting: restarting, beforeHalfLine: created.eventsSeen, midLine: midLine,
                beforeStop: beforeStop, checkpointAtStop: checkpointAtStop)
        }
        let entries = try await scheduler.assetEvents(for: pipeline.audit.key).map { event in
            Entry(
                eventId: event.id, user: event.extra["user"]?.stringValue ?? "",
                action: event.extra["action"]?.stringValue ?? "",
                messageId: event.extra["message_id"]?.stringValue ?? "")
        }
        timeline.note("the asset's events: " + entries.map { "\($0.user) \($0.action)" }.joined(separator: ", "))
        let deadLetters = try await triggerer.deadLetters.list(source: watcherName).map {
            DeadLetterEntry(messageId: $0.messageId, line: $0.payload["undecodable"]?.stringValue, reason: $0.reason)
        }
        let outcome = Outcome(
            uri: uri, file: file.path, schemes: registry.schemes, trigger: pipeline.watcher.trigger.description,
            entries: entries, deadLetters: deadLetters, restarts: seen.restarting.restarts,
            firstError: seen.restarting.lastError, seenBeforeHalfLine: seen.beforeHalfLine, seenMidLine: seen.midLine,
            duplicates: seen.status.duplicates,
            runs: try await scheduler.runs(of: dagId).count, recordedBeforeStop: seen.beforeStop,
            checkpointAtStop: seen.checkpointAtStop, rotatedFile: rotated, checkpointAtEnd: readCheckpoint(checkpoint),
            fileSizeAtEnd: (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? -1)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let ids = Set(outcome.entries.map(\.messageId))
        let checkpointEnd = outcome.checkpointAtEnd.split(separator: " ").last.map(String.init) ?? "none"
        return [
            "a custom trigger behind the 'jsonl' scheme fed \(outcome.entries.count) asset events to "
                + "\(outcome.runs) run(s) of \(dagId)",
            "complete lines recorded, in order, across a late start, a partial line, a rotation and a restart: "
                + outcome.entries.map(\.user).joined(separator: ", ") + "; distinct message ids \(ids.count); "
                + "duplicates \(outcome.duplicates); no event while half a line was there: "
                + "\(outcome.seenMidLine == outcome.seenBeforeHalfLine)",
            "lines dead-lettered with their reason: \(outcome.deadLetters.count)",
            "restarts while the file was missing: \(outcome.restarts); checkpoint at the end \(checkpointEnd) "
                + "= file size \(outcome.fileSizeAtEnd): \(checkpointEnd == String(outcome.fileSizeAtEnd))",
        ]
    }
}
