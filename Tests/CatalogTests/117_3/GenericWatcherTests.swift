import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex117_03_01_generic_watcher

@Suite("117.3.1 Generic Event Watcher Pattern", .timeLimit(.minutes(5)))
struct GenericWatcherTests {
    typealias Example = GenericWatcher

    func run() async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_03_01")
        defer {
            try? FileManager.default.removeItem(at: URL(fileURLWithPath: database.path).deletingLastPathComponent())
        }
        return try await Example.run(.init(), database: database).outcome
    }

    @Test("117.3.1/1 a custom trigger for a system without a queue feeds the asset: every complete line once, in order")
    func customWatcher() async throws {
        let outcome = try await run()
        #expect(outcome.entries.map(\.user) == ["ana", "ben", "cy", "dee", "eli", "fay", "gus", "hal"])
        #expect(
            outcome.entries.map(\.action) == [
                "login", "export", "delete", "grant", "login", "revoke", "export", "logout",
            ])
        #expect(outcome.duplicates == 0 && outcome.runs >= 1)
        _ = try ExampleProcess.checkCommandLine(
            "117_03_01_generic_watcher", item: "117.3.1",
            badArguments: ["--interval", "0"], expectInError: "--interval")
    }

    @Test("117.3.1/1 a reused database is refused before the audit folder is touched")
    func refusesReusedStore() async throws {
        try await expectRefusesUsedStore { try await Example.run(.init(), database: $0) }
        let folder = try TemporaryDatabase.folder("117_03_01_cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("store.sqlite").path
        let first = try ExampleProcess.run("117_03_01_generic_watcher", ["--db", path, "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let log = folder.appendingPathComponent("audit/audit.jsonl")
        let before = try Data(contentsOf: log)
        let second = try ExampleProcess.run("117_03_01_generic_watcher", ["--db", path, "--json"])
        #expect(second.status != 0 && second.stdout.isEmpty)
        #expect(try Data(contentsOf: log) == before, "the first run's audit log is left as it was")
    }

    @Test(
        "117.3.1/2 the Trigger protocol: stable message ids, a partial line waits, a bad line is dead-lettered, acknowledgements move the checkpoint"
    )
    func interfaceMethods() async throws {
        let folder = try TemporaryDatabase.folder("jsonl")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("feed.jsonl")
        try Data((#"{"n": 1}"# + "\n" + #"{"n": 2"#).utf8).write(to: file)
        let made = try JSONLinesTrigger.factory().make(TriggerURI("jsonl://\(file.path)?interval=10"))
        let trigger = try #require(made as? JSONLinesTrigger)
        var events = try trigger.events().makeAsyncIterator()
        let first = try #require(try await events.next())
        #expect(first.payload == ["n": 1])
        let inode = try #require(
            (try FileManager.default.attributesOfItem(atPath: file.path)[.systemFileNumber] as? NSNumber)?.uint64Value)
        #expect(first.messageId == "\(inode)@0")
        try Example.append("}\nnot json\n", to: file)
        let second = try #require(try await events.next())
        #expect(second.payload == ["n": 2] && second.messageId == "\(inode)@9", "the partial line, once completed")
        let third = try #require(try await events.next())
        #expect(third.payload["undecodable"] == "not json")
        #expect(throws: Example.AuditLineError.notJSON(line: "not json")) { _ = try Example.extract(third) }
        #expect(throws: Example.AuditLineError.missingField("user")) { _ = try Example.extract(first) }
        // Acknowledged out of order: the checkpoint moves only over a gapless prefix.
        try await second.acknowledge()
        #expect(!FileManager.default.fileExists(atPath: trigger.checkpoint.path), "line 1 is not acknowledged yet")
        try await first.acknowledge()
        #expect(try String(contentsOf: trigger.checkpoint, encoding: .utf8) == "\(inode) 18\n")
        // A new sequence (a restarted watcher) starts at the checkpoint: the unacknowledged third line comes back.
        var again = try trigger.events().makeAsyncIterator()
        let resumed = try #require(try await again.next())
        #expect(resumed.messageId == third.messageId)
    }

    @Test(
        "117.3.1/2 the event loop sleeps its interval on the trigger's clock; a completed line becomes an event stamped by it"
    )
    func partialLineOnTestClock() async throws {
        let folder = try TemporaryDatabase.folder("jsonl_clock")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("feed.jsonl")
        try Data(#"{"n": 1"#.utf8).write(to: file)
        let clock = TestClock(epoch: Date(timeIntervalSince1970: 0))
        let made = try JSONLinesTrigger.factory(clock: EventideClock(clock)).make(
            TriggerURI("jsonl://\(file.path)?interval=1000"))
        let trigger = try #require(made as? JSONLinesTrigger)
        let next = Task {
            var events = try trigger.events().makeAsyncIterator()
            return try await events.next()
        }
        // The trigger read the half line and sleeps its interval on the test clock; then the line is completed.
        try await clock.waitForSleepers(1)
        try Example.append("}\n", to: file)
        #expect(clock.sleeperCount == 1, "still asleep: nothing reads the file between looks")
        await clock.advance(by: .seconds(1))
        let event = try #require(try await next.value)
        #expect(event.payload == ["n": 1])
        #expect(event.observedAt == Date(timeIntervalSince1970: 1), "stamped by the trigger's clock")
    }

    @Test("117.3.1/3 a truncated file is read again from its start, a rotated one from the new file's start")
    func truncationAndRotation() async throws {
        let folder = try TemporaryDatabase.folder("jsonl_rotation")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("feed.jsonl")
        try Data("{\"n\": 1}\n{\"n\": 2}\n".utf8).write(to: file)
        let clock = TestClock(epoch: Date(timeIntervalSince1970: 0))
        let made = try JSONLinesTrigger.factory(clock: EventideClock(clock)).make(
            TriggerURI("jsonl://\(file.path)?interval=1000"))
        let trigger = try #require(made as? JSONLinesTrigger)
        let events = UnfoldingIterator(try trigger.events().makeAsyncIterator())
        let inode = try #require(JSONLinesTrigger.look(at: file).inode)
        let first = try #require(try await events.next()), second = try #require(try await events.next())
        #expect([first.messageId, second.messageId] == ["\(inode)@0", "\(inode)@9"])

        // Truncated in place (same inode) to a shorter file: read again from its start.
        let afterTruncation = Task { try await events.next() }
        try await clock.waitForSleepers(1)
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data("{\"n\": 3}\n".utf8))
        try handle.close()
        #expect(JSONLinesTrigger.look(at: file).inode == inode, "truncated in place")
        await clock.advance(by: .seconds(1))
        let truncated = try #require(try await afterTruncation.value)
        #expect(truncated.payload == ["n": 3] && truncated.messageId == "\(inode)@0")

        // Rotated: renamed away, a new file (another inode) in its place: its lines from its start.
        let afterRotation = Task { try await events.next() }
        try await clock.waitForSleepers(1)
        try FileManager.default.moveItem(at: file, to: folder.appendingPathComponent("feed.jsonl.1"))
        try Data("{\"n\": 4}\n".utf8).write(to: file)
        let newInode = try #require(JSONLinesTrigger.look(at: file).inode)
        #expect(newInode != inode)
        await clock.advance(by: .seconds(1))
        let rotated = try #require(try await afterRotation.value)
        #expect(rotated.payload == ["n": 4] && rotated.messageId == "\(newInode)@0")
    }

    @Test(
        "117.3.1/3 a missing file restarts the watcher until it exists; a rotation and a stop/start lose and repeat nothing"
    )
    func connectionAndLoop() async throws {
        let outcome = try await run()
        #expect(outcome.restarts >= 2)
        #expect(
            outcome.firstError
                == "\(TriggerError.cannotWatch(path: outcome.file, reason: JSONLinesTrigger.missingFile))")
        #expect(outcome.seenMidLine == outcome.seenBeforeHalfLine, "no event for half a line")
        #expect(outcome.entries.count == 8 && Set(outcome.entries.map(\.messageId)).count == 8)
        #expect(outcome.recordedBeforeStop == 6, "recorded before the stop")
        #expect(
            outcome.checkpointAtEnd.split(separator: " ").last.flatMap { Int($0) } == outcome.fileSizeAtEnd,
            "everything acknowledged: the checkpoint is at the end of the file")
        let dead = try #require(outcome.deadLetters.first)
        #expect(outcome.deadLetters.count == 1 && dead.line == "this is not json")
        #expect(dead.reason == "\(Example.AuditLineError.notJSON(line: "this is not json"))")
    }

    @Test("117.3.1/4 registered under its own scheme: AssetWatcher(source:) builds it from a URI; a bad URI is refused")
    func registration() throws {
        let registry = TriggerRegistry().registering(JSONLinesTrigger.factory())
        #expect(registry.schemes == ["jsonl"])
        let watcher = try AssetWatcher(
            name: "w", source: "jsonl:///var/log/audit.jsonl?interval=50&checkpoint=/tmp/a.offset",
            registry: registry)
        let trigger = try #require(watcher.trigger as? JSONLinesTrigger)
        #expect(
            trigger.file.path == "/var/log/audit.jsonl" && trigger.checkpoint.path == "/tmp/a.offset"
                && trigger.interval == .milliseconds(50))
        for bad in ["jsonl://host/audit.jsonl", "jsonl:///a.jsonl?interval=0", "jsonl:///"] {
            #expect(throws: TriggerError.self, "\(bad)") { _ = try registry.trigger(for: bad) }
        }
        #expect(throws: TriggerError.self) { _ = try registry.trigger(for: "kafka://127.0.0.1/t?group=g") }
        #expect(
            Example.registry(log: EventLog(database: try TemporaryDatabase.make("117_03_01_registry"))).schemes
                .contains("jsonl"))
    }
}
