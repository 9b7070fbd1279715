import Eventide
import EventideCLI
import Foundation

/// 117.3.1 — a watcher for a system Eventide has no trigger for: an audit log that another program appends JSON
/// lines to. `JSONLinesTrigger` implements the `Trigger` protocol, is registered under the `jsonl` scheme, and an
/// `AssetWatcher` is made from its URI. The example starts the watcher before the file exists, writes half a line,
/// a malformed line, rotates the file, and stops and restarts the watcher, and shows what reached the asset.
enum GenericWatcher {
    static let item = "117.3.1"
    static let title = "Generic Event Watcher Pattern"
    static let watcherName = "audit_watcher"
    static let dagId = "review_audit_entries"

    struct Configuration: Sendable {
        var interval: Duration = .milliseconds(20)
    }

    struct Entry: Codable, Sendable, Hashable {
        let eventId: Int64
        let user: String
        let action: String
        let messageId: String
    }

    struct Outcome: Codable, Sendable {
        let uri: String
        let schemes: [String]
        let trigger: String
        let entries: [Entry]
        let deadLetters: [String]
        let restarts: Int
        let firstError: String?
        let duplicates: Int
        let runs: Int
        /// After the stop: entries recorded before it, and the checkpoint (inode offset) the restart resumed from.
        let recordedBeforeStop: Int
        let checkpointAtStop: String
        let rotatedFile: String
        let checkpointAtEnd: String
        let fileSizeAtEnd: Int
    }

    static func line(_ user: String, _ action: String) -> String { #"{"user": "\#(user)", "action": "\#(action)"}"# + "\n" }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let folder = try database.folder("audit")
        timeline.abbreviate(folder, as: "/…/audit")
        let file = folder.appendingPathComponent("audit.jsonl")
        let log = EventLog(database: database)
        let registry = TriggerRegistry.embedded(log: log).registering(JSONLinesTrigger.factory)
        let uri = "jsonl://\(file.path)?interval=\(Int(configuration.interval.inMilliseconds))"
        let watcher = try AssetWatcher(
            name: watcherName, source: uri, registry: registry,
            extract: { event in
                if let error = event.payload["error"]?.stringValue { throw ExampleError("unreadable audit line: \(error)") }
                guard let user = event.payload["user"]?.stringValue, let action = event.payload["action"]?.stringValue else {
                    throw ExampleError("an audit line without user and action")
                }
                return ["user": .string(user), "action": .string(action), "message_id": .string(event.messageId ?? "")]
            },
            restart: RetryPolicy(retries: 50, delay: .milliseconds(20)))
        let audit = try Asset(uri: "file://\(file.path)", name: "audit_log", watchers: [watcher])
        let dag = try DAG(dagId, schedule: .on([audit]), tasks: [
            TaskDefinition("review") { context in
                TaskOutput(value: .array(context.triggeringEvents(of: audit).compactMap { $0.extra["action"] }))
            }])
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [dag], assets: [audit])
        try await orchestrator.requireFreshStore()
        timeline.note("registered schemes \(registry.schemes); AssetWatcher(\(watcherName), source: \(uri))")

        let triggerer = orchestrator.triggerer
        let checkpoint = file.appendingPathExtension("offset")
        let rotated = "audit.jsonl.1"
        let (status, beforeStop, checkpointAtStop, firstError) = try await orchestrator.withServices {
            // The system starts later than the watcher: the trigger fails, the watcher restarts until the file exists.
            let restarting = try await triggerer.waitFor(watcher: watcherName) { $0.restarts >= 2 }
            timeline.note("audit.jsonl does not exist yet: the watcher keeps restarting (policy: every 20 ms)")
            try Data((line("ana", "login") + line("ben", "export")).utf8).write(to: file)
            _ = try await triggerer.waitFor(watcher: watcherName) { $0.eventsRecorded == 2 }
            timeline.note("the system created audit.jsonl with 2 lines: recorded 2")

            // Half a line, then the rest: one event, when the newline arrives.
            try append(#"{"user": "cy", "act"#, to: file)
            try await Task.sleep(for: configuration.interval * 5)
            let midLine = await triggerer.status(of: watcherName)?.eventsSeen ?? 0
            try append(#"ion": "delete"}"# + "\n" + "this is not json\n", to: file)
            _ = try await triggerer.waitFor(watcher: watcherName) { $0.eventsRecorded == 3 && $0.deadLettered == 1 }
            timeline.note("half a line written: seen \(midLine); its rest and a malformed line: recorded 3, dead-lettered 1")

            // Rotation: the system renames the file and starts a new one.
            try append(line("dee", "grant"), to: file)
            try FileManager.default.moveItem(at: file, to: folder.appendingPathComponent(rotated))
            try Data((line("eli", "login") + line("fay", "revoke")).utf8).write(to: file)
            _ = try await triggerer.waitFor(watcher: watcherName) { $0.eventsRecorded == 6 }
            timeline.note("1 more line, then audit.jsonl rotated to \(rotated) and a new file with 2 lines: recorded 6")

            // Stop, write while stopped, start: the checkpoint says where to go on.
            try await triggerer.stop(watcher: watcherName)
            _ = try await triggerer.waitFor(watcher: watcherName, state: .stopped)
            let beforeStop = try await orchestrator.scheduler.assetEvents(for: audit.key).count
            let checkpointAtStop = (try? String(contentsOf: checkpoint, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            try append(line("gus", "export") + line("hal", "logout"), to: file)
            try await triggerer.start(watcher: watcherName)
            let status = try await triggerer.waitFor(watcher: watcherName) { $0.eventsRecorded == 8 }
            timeline.note("stopped at checkpoint \(checkpointAtStop); 2 lines written meanwhile; started again: recorded 8")
            return (status, beforeStop, checkpointAtStop, restarting.lastError)
        }
        let events = try await orchestrator.scheduler.assetEvents(for: audit.key)
        let entries = events.map { event in
            Entry(eventId: event.id, user: event.extra["user"]?.stringValue ?? "", action: event.extra["action"]?.stringValue ?? "",
                  messageId: event.extra["message_id"]?.stringValue ?? "")
        }
        timeline.note("entries: " + entries.map { "\($0.user) \($0.action)" }.joined(separator: ", "))
        let outcome = Outcome(
            uri: uri, schemes: registry.schemes, trigger: watcher.trigger.description, entries: entries,
            deadLetters: try await triggerer.deadLetters.list(source: watcherName).map(\.reason),
            restarts: status.restarts, firstError: firstError, duplicates: status.duplicates,
            runs: try await orchestrator.scheduler.runs(of: dagId).count, recordedBeforeStop: beforeStop,
            checkpointAtStop: checkpointAtStop, rotatedFile: rotated,
            checkpointAtEnd: (try? String(contentsOf: checkpoint, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "",
            fileSizeAtEnd: (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? -1)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    static func append(_ text: String, to file: URL) throws {
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    static func proved(_ outcome: Outcome) -> [String] {
        [
            "a custom trigger behind the 'jsonl' scheme fed \(outcome.entries.count) asset events to \(outcome.runs) run(s) of \(dagId)",
            "every complete line once, in order, across a late start, a partial line, a rotation and a restart: "
                + outcome.entries.map(\.user).joined(separator: ", ") + "; duplicates \(outcome.duplicates)",
            "the malformed line was dead-lettered with its reason: \(outcome.deadLetters.count)",
            "restarts while the file was missing: \(outcome.restarts); checkpoint at the end \(outcome.checkpointAtEnd.split(separator: " ").last ?? "?") "
                + "= file size \(outcome.fileSizeAtEnd)",
        ]
    }
}
