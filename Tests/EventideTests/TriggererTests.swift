import Eventide
import EventideTesting
import Foundation
import Synchronization
import Testing

@Suite("Triggerer and asset watchers", .timeLimit(.minutes(3)))
struct TriggererTests {
    let asset = try! Asset(uri: "s3://lake/landing")

    func setUp(_ watcher: AssetWatcher, clock: EventideClock = .system) async throws -> Orchestrator {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("triggerer"), clock: clock)
        let watched = asset.watched(by: [watcher])
        let dag = try DAG("consumer", schedule: .on([watched]), tasks: [TaskDefinition("t") { _ in .none }])
        try await orchestrator.register(dags: [dag], assets: [watched])
        return orchestrator
    }

    @Test("each trigger event becomes an asset event with its payload in extra, acknowledged after commit")
    func eventsBecomeAssetEvents() async throws {
        let trigger = ManualTrigger()
        let orchestrator = try await setUp(AssetWatcher(name: "w", trigger: trigger))
        let events = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
            let recorded = orchestrator.scheduler.recordedAssetEvents()
            trigger.fire(["key": "a.csv"], messageId: "m1")
            trigger.fire(["key": "b.csv"], messageId: "m2")
            return try await WaitDeadline.default.enforce(waitingFor: "two recorded asset events") {
                var events: [AssetEvent] = []
                for await event in recorded { events.append(event); if events.count == 2 { break } }
                return events
            }
        }
        #expect(events.map { $0.extra["payload"]?["key"] } == ["a.csv", "b.csv"])
        #expect(events.allSatisfy { if case .watcher("w", _) = $0.source { true } else { false } })
        // Acknowledged only after the asset event was committed: both are in the store and were acked.
        #expect(Set(trigger.acknowledged) == ["m1", "m2"])
        #expect(try await orchestrator.scheduler.assetEvents(for: asset.key).count == 2)
    }

    @Test("the source is acknowledged only after the asset event is committed (at-least-once)")
    func acknowledgeAfterCommit() async throws {
        let trigger = ManualTrigger()
        let orchestrator = try await setUp(AssetWatcher(name: "w", trigger: trigger))
        let storedAtAck = Mutex<[Int]>([])
        try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
            for n in 1...3 {
                trigger.fire(["n": .number(Double(n))], messageId: "m\(n)") {
                    [scheduler = orchestrator.scheduler, asset] in
                    // What a new reader of the store sees at the moment the source is told to forget the message.
                    let stored = (try? await scheduler.assetEvents(for: asset.key).count) ?? -1
                    storedAtAck.withLock { $0.append(stored) }
                }
            }
            _ = try await orchestrator.triggerer.waitFor(watcher: "w") { $0.eventsRecorded == 3 }
        }
        #expect(storedAtAck.withLock { $0 } == [1, 2, 3], "each message was in the store before its acknowledgement")
    }

    @Test("a redelivered message is recorded once and acknowledged again")
    func redeliveryDeduplicated() async throws {
        let trigger = ManualTrigger()
        let orchestrator = try await setUp(AssetWatcher(name: "w", trigger: trigger))
        let status = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
            trigger.fire(["n": 1], messageId: "same")
            trigger.fire(["n": 1], messageId: "same")
            return try await orchestrator.triggerer.waitFor(watcher: "w") { $0.duplicates == 1 }
        }
        #expect(status.eventsRecorded == 1)
        #expect(try await orchestrator.scheduler.assetEvents(for: asset.key).count == 1)
        #expect(trigger.acknowledged == ["same", "same"])
    }

    @Test(
        "an acknowledgement that fails after the commit restarts the watcher; the event counts as recorded and its redelivery as a duplicate"
    )
    func acknowledgementFails() async throws {
        struct SourceGone: Error, CustomStringConvertible { var description: String { "the source went away" } }
        let trigger = ManualTrigger()
        let orchestrator = try await setUp(
            AssetWatcher(name: "w", trigger: trigger, restart: RetryPolicy(retries: 2, delay: .milliseconds(5))))
        let status = try await orchestrator.withServices {
            try await trigger.waitUntilOpened(times: 1)
            trigger.fire(["n": 1], messageId: "m1") { throw SourceGone() }
            try await trigger.waitUntilOpened(times: 2)  // restarted by the failed acknowledgement
            trigger.fire(["n": 1], messageId: "m1")  // the source delivers the unacknowledged message again
            return try await orchestrator.triggerer.waitFor(watcher: "w") { $0.duplicates == 1 }
        }
        #expect(status.restarts == 1 && status.lastError == nil, "recovered: the old error is cleared")
        #expect(status.eventsSeen == 2 && status.eventsRecorded == 1, "recorded once, by the first delivery")
        #expect(trigger.acknowledged == ["m1"], "acknowledged by the second delivery only")
        #expect(try await orchestrator.scheduler.assetEvents(for: asset.key).count == 1)
    }

    @Test("filtered events are acknowledged and counted, not recorded")
    func filter() async throws {
        let trigger = ManualTrigger()
        let watcher = AssetWatcher(name: "w", trigger: trigger, filter: { $0.payload["type"] == "csv" })
        let orchestrator = try await setUp(watcher)
        let status = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
            trigger.fire(["type": "tmp"], messageId: "1")
            trigger.fire(["type": "csv"], messageId: "2")
            return try await orchestrator.triggerer.waitFor(watcher: "w") {
                $0.eventsSeen == 2 && $0.eventsRecorded + $0.filtered == 2
            }
        }
        #expect(status.filtered == 1 && status.eventsRecorded == 1)
        #expect(try await orchestrator.scheduler.assetEvents(for: asset.key).count == 1)
    }

    @Test(
        "a failing trigger is restarted after its policy's delay on the clock and ends failed with the error when retries run out"
    )
    func restartAndFail() async throws {
        let trigger = ManualTrigger()
        let clock = TestClock()
        let watcher = AssetWatcher(name: "w", trigger: trigger, restart: RetryPolicy(retries: 1, delay: .seconds(300)))
        let orchestrator = try await setUp(watcher, clock: EventideClock(clock))
        let status = try await orchestrator.withServices {
            try await trigger.waitUntilOpened(times: 1)
            trigger.fail(TriggerError.cannotWatch(path: "/x", reason: "connection refused"))
            let restarting = try await orchestrator.triggerer.waitFor(watcher: "w", state: .restarting)
            #expect(restarting.lastError != nil)
            try await clock.waitForSleepers()
            await clock.advance(by: .seconds(299))
            #expect(trigger.opened == 1, "not reopened before its delay")
            await clock.advance(by: .seconds(1))
            try await trigger.waitUntilOpened(times: 2)
            trigger.fail(TriggerError.cannotWatch(path: "/x", reason: "connection refused"))
            return try await orchestrator.triggerer.waitFor(watcher: "w", state: .failed)
        }
        #expect(status.restarts == 1)
        #expect(status.lastError != nil)
        #expect(!status.isHealthy)
    }

    @Test("117.1.5: the default restart policy keeps a watcher restarting for minutes, waiting on the clock")
    func defaultRestartPolicyLastsMinutes() async throws {
        let trigger = ManualTrigger()
        let clock = TestClock()
        let orchestrator = try await setUp(AssetWatcher(name: "w", trigger: trigger), clock: EventideClock(clock))
        let status = try await orchestrator.withServices {
            var waited = Duration.zero
            for opened in 1...4 {
                try await trigger.waitUntilOpened(times: opened)
                trigger.fail(TriggerError.cannotWatch(path: "/x", reason: "connection refused"))
                try await clock.waitForSleepers()
                let delay = RetryPolicy.watcherRestart.delay(beforeTry: opened + 1)
                await clock.advance(by: delay)
                waited += delay
            }
            try await trigger.waitUntilOpened(times: 5)
            #expect(waited == .seconds(15), "1 + 2 + 4 + 8 seconds of back-off")
            return try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
        }
        #expect(status.restarts == 4)
        #expect(status.history.contains(.restarting) && !status.history.contains(.failed))
    }

    @Test("117.1.5: a watcher that recovers clears its last error from its status")
    func recoveredWatcherClearsError() async throws {
        let trigger = ManualTrigger()
        let clock = TestClock()
        let watcher = AssetWatcher(name: "w", trigger: trigger, restart: RetryPolicy(retries: 3, delay: .seconds(1)))
        let orchestrator = try await setUp(watcher, clock: EventideClock(clock))
        let (failing, recovered) = try await orchestrator.withServices {
            try await trigger.waitUntilOpened(times: 1)
            trigger.fail(TriggerError.cannotWatch(path: "/x", reason: "connection refused"))
            let failing = try await orchestrator.triggerer.waitFor(watcher: "w", state: .restarting)
            try await clock.waitForSleepers()
            await clock.advance(by: .seconds(1))
            return (failing, try await orchestrator.triggerer.waitFor(watcher: "w", state: .running))
        }
        #expect(failing.lastError != nil && !failing.isHealthy)
        #expect(recovered.lastError == nil && recovered.isHealthy && recovered.restarts == 1)
    }

    /// The `WaitError` a wait ended with, or nil when it returned.
    static func waitError(_ wait: @Sendable () async throws -> WatcherStatus) async -> WaitError? {
        do {
            _ = try await wait()
            return nil
        } catch {
            return error as? WaitError
        }
    }

    @Test("a wait on a watcher that fails throws watcherFailed instead of waiting forever")
    func waitOnFailedWatcherThrows() async throws {
        let trigger = ManualTrigger()
        let orchestrator = try await setUp(AssetWatcher(name: "w", trigger: trigger, restart: .none))
        let error = try await orchestrator.withServices {
            try await trigger.waitUntilOpened()
            async let waiting = Self.waitError {
                try await orchestrator.triggerer.waitFor(watcher: "w") { $0.eventsRecorded == 1 }
            }
            trigger.fail(TriggerError.cannotWatch(path: "/x", reason: "connection refused"))
            return await waiting
        }
        let failed = try #require(error)
        guard case .watcherFailed(let name, let lastError) = failed else {
            Issue.record("expected watcherFailed, got \(failed)")
            return
        }
        #expect(name == "w" && lastError != nil)
        // A later wait on the failed watcher throws at once.
        await #expect(throws: WaitError.self) {
            _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
        }
    }

    @Test("a wait whose condition never holds throws deadlineExceeded saying what it waited for")
    func waitDeadline() async throws {
        let trigger = ManualTrigger()
        let orchestrator = try await setUp(AssetWatcher(name: "w", trigger: trigger))
        let deadlineClock = TestClock()
        let deadline = WaitDeadline(.seconds(30), clock: EventideClock(deadlineClock))
        let error = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
            async let waiting = Self.waitError {
                try await orchestrator.triggerer.waitFor(watcher: "w", deadline: deadline) { $0.eventsRecorded == 1 }
            }
            try await deadlineClock.waitForSleepers()
            await deadlineClock.advance(by: .seconds(30))
            return await waiting
        }
        let exceeded = try #require(error)
        guard case .deadlineExceeded(_, let after) = exceeded else {
            Issue.record("expected deadlineExceeded, got \(exceeded)")
            return
        }
        #expect(after == .seconds(30))
    }

    @Test("a watcher can be stopped and started again; stopping the triggerer stops all")
    func stopAndStart() async throws {
        let trigger = ManualTrigger()
        let orchestrator = try await setUp(AssetWatcher(name: "w", trigger: trigger))
        try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
            try await orchestrator.triggerer.stop(watcher: "w")
            _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .stopped)
            try await orchestrator.triggerer.start(watcher: "w")
            _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
        }
        #expect(trigger.opened == 2)
        #expect(await orchestrator.triggerer.status(of: "w")?.state == .stopped)
    }

    /// Fires `m1`, whose acknowledgement waits for `gate` (a wait that ends when its task is cancelled, after which
    /// the acknowledgement throws), and waits until that acknowledgement has begun.
    static func fireGated(_ trigger: ManualTrigger, gate: AsyncStream<Void>) async throws {
        let (begun, began) = AsyncStream.makeStream(of: Void.self)
        trigger.fire(["n": 1], messageId: "m1") {
            began.yield()
            for await _ in gate { break }
            try Task.checkCancellation()
        }
        try await WaitDeadline.default.enforce(waitingFor: "the acknowledgement of m1 to begin") {
            for await _ in begun { return }
        }
    }

    @Test("stopping a watcher lets the event in hand be acknowledged first: nothing committed is left unacknowledged")
    func stopDrainsAcknowledgement() async throws {
        let trigger = ManualTrigger()
        let orchestrator = try await setUp(AssetWatcher(name: "w", trigger: trigger))
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let stateBeforeGate = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
            try await Self.fireGated(trigger, gate: gate)
            try await orchestrator.triggerer.stop(watcher: "w")
            // Time for a cancellation to reach the acknowledgement (before the drain, it did: the wait ended and
            // the acknowledgement threw); the stop now waits for it instead.
            try await Task.sleep(for: .milliseconds(200))
            let state = await orchestrator.triggerer.status(of: "w")?.state
            open.yield()
            _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .stopped)
            return state
        }
        #expect(stateBeforeGate != .stopped, "the watcher is still stopping while its acknowledgement is under way")
        #expect(trigger.acknowledged == ["m1"])
        #expect(try await orchestrator.scheduler.assetEvents(for: asset.key).count == 1)
    }

    @Test("stopping the triggerer (graceful shutdown) waits for the acknowledgement under way")
    func shutdownDrainsAcknowledgement() async throws {
        let trigger = ManualTrigger()
        let orchestrator = try await setUp(AssetWatcher(name: "w", trigger: trigger))
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let opener = Task {
            try await Task.sleep(for: .milliseconds(300))
            open.yield()
        }
        try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
            try await Self.fireGated(trigger, gate: gate)
        }  // the services are cancelled here, with the acknowledgement waiting for the gate
        try await opener.value
        #expect(trigger.acknowledged == ["m1"])
        #expect(await orchestrator.triggerer.status(of: "w")?.state == .stopped)
    }

    @Test("a stop cancels an acknowledgement that outlasts the drain timeout; the source then redelivers the message")
    func drainTimeoutCancels() async throws {
        let trigger = ManualTrigger()
        let orchestrator = try await setUp(AssetWatcher(name: "w", trigger: trigger))
        await orchestrator.triggerer.setDrainTimeout(.milliseconds(100))
        let (gate, _) = AsyncStream.makeStream(of: Void.self)  // never opened
        let recorded = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
            try await Self.fireGated(trigger, gate: gate)
            try await orchestrator.triggerer.stop(watcher: "w")
            _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .stopped)
            // Redelivered after a restart: recorded once, acknowledged this time.
            try await orchestrator.triggerer.start(watcher: "w")
            _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
            trigger.fire(["n": 1], messageId: "m1")
            return try await orchestrator.triggerer.waitFor(watcher: "w") { $0.duplicates == 1 }
        }
        #expect(trigger.acknowledged == ["m1"], "only the redelivery was acknowledged")
        #expect(recorded.eventsRecorded == 1)
        #expect(try await orchestrator.scheduler.assetEvents(for: asset.key).count == 1)
    }

    @Test("the file arrival trigger fires for existing and newly written files, woken by inotify")
    func fileArrival() async throws {
        let folder = try TemporaryDatabase.folder("landing")
        try Data("old".utf8).write(to: folder.appendingPathComponent("old.csv"))
        let trigger = FileArrivalTrigger(directory: folder, suffixes: [".csv"])
        var iterator = try trigger.events().makeAsyncIterator()
        let first = try await iterator.next()
        #expect(first?.payload["name"] == "old.csv")
        try Data("skip".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        let beforeWrite = EventideClock.system.date
        try Data("12345".utf8).write(to: folder.appendingPathComponent("new.csv"))
        let second = try await iterator.next()
        #expect(second?.payload["name"] == "new.csv")
        #expect(second?.payload["size"] == 5)
        #expect(trigger.wakeUps.current >= 1)
        let observed = try #require(second?.observedAt, "stamped by the wake-up that found the file")
        #expect(observed >= beforeWrite && observed <= EventideClock.system.date)
    }

    @Test("watching a folder that does not exist fails with a clear error")
    func fileArrivalMissingFolder() async throws {
        let trigger = FileArrivalTrigger(directory: URL(fileURLWithPath: "/nonexistent/landing"))
        #expect(throws: TriggerError.self) { _ = try trigger.events() }
    }

    @Test("the log topic trigger delivers records and commits the group offset on acknowledge")
    func logTopicTrigger() async throws {
        let log = EventLog(database: try TemporaryDatabase.make("log-trigger"))
        try await log.createTopic("orders")
        let trigger = LogTopicTrigger(log: log, topic: "orders", group: "watcher")
        var iterator = try trigger.events().makeAsyncIterator()
        try await log.append(try EventEnvelope(type: "order.placed", source: "/shop", data: ["id": 7]), to: "orders")
        let event = try #require(try await iterator.next())
        #expect(event.payload["event"]?["data"]?["id"] == 7)
        #expect(event.messageId == "orders/0@0")
        #expect(try await log.committedOffset(group: "watcher", topic: "orders", partition: 0) == 0)
        try await event.acknowledge()
        #expect(try await log.committedOffset(group: "watcher", topic: "orders", partition: 0) == 1)
    }

    /// The asset expects a `key`; anything else is a poison message.
    static func requireKey(_ event: TriggerEvent) throws -> [String: JSONValue] {
        guard case .string(let key)? = event.payload["key"] else {
            throw EventError.schemaViolation(
                type: "landing", reason: "payload has no string 'key': \(event.payload.jsonText)")
        }
        return ["key": .string(key)]
    }

    @Test(
        "a message the watcher's extract refuses is dead-lettered with the reason, then rejected at the source; the next is recorded"
    )
    func poisonMessageIsDeadLettered() async throws {
        let trigger = ManualTrigger()
        let orchestrator = try await setUp(AssetWatcher(name: "w", trigger: trigger, extract: Self.requireKey))
        let status = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
            trigger.fire(["oops": 1], messageId: "poison", rejectable: true)
            trigger.fire(["key": "a.csv"], messageId: "good", rejectable: true)
            return try await orchestrator.triggerer.waitFor(watcher: "w") {
                $0.eventsRecorded == 1 && $0.deadLettered == 1
            }
        }
        #expect(status.state == .running || status.state == .stopped)  // the poison did not fail the watcher
        #expect(status.restarts == 0)
        let letters = try await orchestrator.triggerer.deadLetters.list(source: "w")
        #expect(letters.map(\.messageId) == ["poison"])
        #expect(letters.first?.payload == ["oops": 1])
        #expect(letters.first?.reason.contains("no string 'key'") == true)
        #expect(trigger.rejected.map(\.messageId) == ["poison"], "the source's own DLQ got it")
        #expect(trigger.acknowledged == ["good"], "rejected, not acknowledged")
        #expect(try await orchestrator.scheduler.assetEvents(for: asset.key).map { $0.extra["key"] } == ["a.csv"])
    }

    @Test(
        "a source without a dead-letter destination has the poison message acknowledged once it is kept in the runtime's DLQ"
    )
    func poisonMessageWithoutSourceDLQ() async throws {
        let trigger = ManualTrigger()
        let orchestrator = try await setUp(AssetWatcher(name: "w", trigger: trigger, extract: Self.requireKey))
        try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
            trigger.fire("not an object", messageId: "poison")
            _ = try await orchestrator.triggerer.waitFor(watcher: "w") { $0.deadLettered == 1 }
        }
        #expect(trigger.acknowledged == ["poison"])
        let letters = try await orchestrator.triggerer.deadLetters.list()
        try #require(letters.count == 1)
        #expect(letters[0].source == "w")
        let redriven = try await orchestrator.triggerer.deadLetters.markRedriven(letters.map(\.id))
        #expect(redriven.count == 1)
        #expect(try await orchestrator.triggerer.deadLetters.list().isEmpty)
        #expect(try await orchestrator.triggerer.deadLetters.list(includingRedriven: true).first?.redrivenAt != nil)
    }
}
