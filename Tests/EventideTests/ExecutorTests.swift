import Eventide
import EventideTesting
import Foundation
import Synchronization
import Testing

@Suite("Executor: task runs, retries, outlets, deferral")
struct ExecutorTests {
    let asset = try! Asset(uri: "s3://lake/orders")

    func orchestrator(_ dags: [DAG], assets: [Asset] = []) async throws -> Orchestrator {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("executor"))
        try await orchestrator.register(dags: dags, assets: assets)
        return orchestrator
    }

    /// Registers the DAG, triggers one run and returns it once finished.
    func runOnce(_ dag: DAG) async throws -> DagRun {
        let orchestrator = try await orchestrator([dag])
        return try await orchestrator.withServices {
            try await orchestrator.scheduler.triggerRun(dag.dagId)
            return try await orchestrator.scheduler.waitForFinishedRuns(of: dag.dagId, count: 1)[0]
        }
    }

    @Test("a failing task is retried with its policy and the run succeeds when a retry does")
    func retries() async throws {
        let attempts = Counter()
        let dag = try DAG("flaky", tasks: [TaskDefinition("call", retry: RetryPolicy(retries: 2, delay: .milliseconds(5))) { context in
            if attempts.next() < 3 { throw CocoaError(.fileReadUnknown) }
            return TaskOutput(value: .number(Double(context.tryNumber)))
        }])
        let run = try await runOnce(dag)
        #expect(run.state == .success)
        #expect(run.taskInstances[0].tryNumber == 3)
        #expect(attempts.current == 3)
    }

    @Test("a task out of retries fails the run and marks downstream upstream_failed")
    func failurePropagates() async throws {
        let dag = try DAG("broken", tasks: [
            TaskDefinition("extract", retry: RetryPolicy(retries: 1, delay: .milliseconds(1))) { _ in throw CocoaError(.fileNoSuchFile) },
            TaskDefinition("load", upstream: ["extract"]) { _ in .none },
        ])
        let run = try await runOnce(dag)
        #expect(run.state == .failed)
        #expect(run.taskInstances.map(\.state) == [.failed, .upstreamFailed])
        #expect(run.taskInstances[0].tryNumber == 2)
        #expect(run.taskInstances[0].note?.isEmpty == false)
    }

    @Test("runs created while no executor ran are executed when one starts (restart)")
    func backlogAfterRestart() async throws {
        let database = try TemporaryDatabase.make("backlog")
        let dag = try DAG("later", tasks: [TaskDefinition("t") { _ in .none }])
        let before = Scheduler(database: database)
        try await before.register([dag])
        try await before.triggerRun("later", runId: "queued-while-down")
        let orchestrator = Orchestrator(database: try EventideDatabase(path: database.path))
        try await orchestrator.register(dags: [dag])
        let runs = try await orchestrator.withServices {
            try await orchestrator.scheduler.waitForFinishedRuns(of: "later", count: 1)
        }
        #expect(runs.map(\.runId) == ["queued-while-down"])
        #expect(runs[0].state == .success)
    }

    @Test("exponential backoff doubles the delay up to the cap")
    func backoff() {
        let policy = RetryPolicy(retries: 5, delay: .seconds(1), exponentialBackoff: true, maxDelay: .seconds(5))
        #expect((2...6).map { policy.delay(beforeTry: $0) } == [.seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
    }

    @Test("a skipped task emits no outlet event and skips its downstream tasks")
    func skipPropagates() async throws {
        let dag = try DAG("gate", tasks: [
            TaskDefinition("check") { _ in throw TaskSkipped("nothing new") },
            TaskDefinition("publish", upstream: ["check"], outlets: [asset]) { _ in .none },
        ])
        let orchestrator = try await orchestrator([dag])
        let run = try await orchestrator.withServices {
            try await orchestrator.scheduler.triggerRun("gate")
            return try await orchestrator.scheduler.waitForFinishedRuns(of: "gate", count: 1)[0]
        }
        #expect(run.state == .success)
        #expect(run.taskInstances.map(\.state) == [.skipped, .skipped])
        #expect(try await orchestrator.scheduler.assetEvents(for: asset.key).isEmpty)
    }

    @Test("a successful outlet task triggers the consumer with its extra; the consumer sees it")
    func outletTriggersConsumer() async throws {
        let seen = Mutex<[JSONValue]>([])
        let producer = try DAG("producer", tasks: [TaskDefinition("write", outlets: [asset]) { _ in
            TaskOutput(outletExtra: [asset.key: ["rows": 42]])
        }])
        let consumer = try DAG("consumer", schedule: .on([asset]), tasks: [TaskDefinition("read") { context in
            seen.withLock { $0 += context.triggeringEvents(of: asset).compactMap { $0.extra["rows"] } }
            return .none
        }])
        let orchestrator = try await orchestrator([producer, consumer])
        let run = try await orchestrator.withServices {
            try await orchestrator.scheduler.triggerRun("producer")
            return try await orchestrator.scheduler.waitForFinishedRuns(of: "consumer", count: 1)[0]
        }
        #expect(run.state == .success)
        #expect(seen.withLock { $0 } == [42])
        let event = try #require(run.triggeringAssetEvents.first)
        guard case .task(let dagId, _, let taskId) = event.source else { Issue.record("source \(event.source)"); return }
        #expect(dagId == "producer" && taskId == "write")
    }

    @Test("a deferred task is deferred while its trigger waits and resumes with the event")
    func deferral() async throws {
        let trigger = ManualTrigger()
        let dag = try DAG("sensor", tasks: [TaskDefinition("wait") { context in
            let event = try await context.deferUntil(trigger, timeout: .seconds(30))
            return TaskOutput(value: event.payload)
        }])
        let orchestrator = try await orchestrator([dag])
        let (stateWhileWaiting, run) = try await orchestrator.withServices {
            let ref = try await orchestrator.scheduler.triggerRun("sensor")
            await trigger.waitUntilOpened()
            let state = try await orchestrator.scheduler.run(ref)?.taskInstances[0].state
            trigger.fire(["file": "a.csv"], messageId: "1")
            return (state, try await orchestrator.scheduler.waitForFinishedRuns(of: "sensor", count: 1)[0])
        }
        #expect(stateWhileWaiting == .deferred)
        #expect(run.state == .success)
    }

    @Test("a deferred task whose trigger does not fire in time fails without retrying")
    func deferralTimeout() async throws {
        let dag = try DAG("sensor", tasks: [TaskDefinition("wait", retry: RetryPolicy(retries: 3)) { context in
            _ = try await context.deferUntil(ManualTrigger(), timeout: .milliseconds(20))
            return .none
        }])
        let run = try await runOnce(dag)
        #expect(run.taskInstances[0].state == .failed)
        #expect(run.taskInstances[0].tryNumber == 1)
        #expect(run.taskInstances[0].note?.contains("did not fire") == true)
    }

    @Test("a DAG with a cycle or an unknown upstream is refused")
    func invalidDags() {
        #expect(throws: DagError.self) {
            try DAG("cyclic", tasks: [TaskDefinition("a", upstream: ["b"]) { _ in .none },
                                      TaskDefinition("b", upstream: ["a"]) { _ in .none }])
        }
        #expect(throws: DagError.unknownUpstream(dagId: "d", taskId: "a", upstream: "zz")) {
            try DAG("d", tasks: [TaskDefinition("a", upstream: ["zz"]) { _ in .none }])
        }
        #expect(throws: DagError.invalidDagId("bad id")) { try DAG("bad id", tasks: []) }
    }
}

@Suite("Triggerer and asset watchers")
struct TriggererTests {
    let asset = try! Asset(uri: "s3://lake/landing")

    func setUp(_ watcher: AssetWatcher) async throws -> Orchestrator {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("triggerer"))
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
            var events: [AssetEvent] = []
            for await event in recorded { events.append(event); if events.count == 2 { break } }
            return events
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
                trigger.fire(["n": .number(Double(n))], messageId: "m\(n)") { [scheduler = orchestrator.scheduler, asset] in
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
            let updates = orchestrator.triggerer.statusUpdates()
            trigger.fire(["n": 1], messageId: "same")
            trigger.fire(["n": 1], messageId: "same")
            for await status in updates where status.duplicates == 1 { return status }
            throw CancellationError()
        }
        #expect(status.eventsRecorded == 1)
        #expect(try await orchestrator.scheduler.assetEvents(for: asset.key).count == 1)
        #expect(trigger.acknowledged == ["same", "same"])
    }

    @Test("filtered events are acknowledged and counted, not recorded")
    func filter() async throws {
        let trigger = ManualTrigger()
        let watcher = AssetWatcher(name: "w", trigger: trigger, filter: { $0.payload["type"] == "csv" })
        let orchestrator = try await setUp(watcher)
        let status = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
            let updates = orchestrator.triggerer.statusUpdates()
            trigger.fire(["type": "tmp"], messageId: "1")
            trigger.fire(["type": "csv"], messageId: "2")
            for await status in updates where status.eventsSeen == 2 && status.eventsRecorded + status.filtered == 2 {
                return status
            }
            throw CancellationError()
        }
        #expect(status.filtered == 1 && status.eventsRecorded == 1)
        #expect(try await orchestrator.scheduler.assetEvents(for: asset.key).count == 1)
    }

    @Test("a failing trigger is restarted per its policy and ends failed with the error when retries run out")
    func restartAndFail() async throws {
        let trigger = ManualTrigger()
        let watcher = AssetWatcher(name: "w", trigger: trigger, restart: RetryPolicy(retries: 1, delay: .milliseconds(5)))
        let orchestrator = try await setUp(watcher)
        let status = try await orchestrator.withServices {
            await trigger.waitUntilOpened(times: 1)
            trigger.fail(TriggerError.cannotWatch(path: "/x", reason: "connection refused"))
            await trigger.waitUntilOpened(times: 2)
            trigger.fail(TriggerError.cannotWatch(path: "/x", reason: "connection refused"))
            return try await orchestrator.triggerer.waitFor(watcher: "w", state: .failed)
        }
        #expect(status.restarts == 1)
        #expect(status.lastError?.contains("connection refused") == true)
        #expect(!status.isHealthy)
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

    @Test("the file arrival trigger fires for existing and newly written files, woken by inotify")
    func fileArrival() async throws {
        let folder = try TemporaryDatabase.folder("landing")
        try Data("old".utf8).write(to: folder.appendingPathComponent("old.csv"))
        let trigger = FileArrivalTrigger(directory: folder, suffixes: [".csv"])
        var iterator = try trigger.events().makeAsyncIterator()
        let first = try await iterator.next()
        #expect(first?.payload["name"] == "old.csv")
        try Data("skip".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        let beforeWrite = Date()
        try Data("12345".utf8).write(to: folder.appendingPathComponent("new.csv"))
        let second = try await iterator.next()
        #expect(second?.payload["name"] == "new.csv")
        #expect(second?.payload["size"] == 5)
        #expect(trigger.wakeUps.current >= 1)
        let observed = try #require(second?.observedAt, "stamped by the wake-up that found the file")
        #expect(observed >= beforeWrite && observed <= Date())
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
}

@Suite("Interval schedules")
struct IntervalScheduleTests {
    @Test("a DAG with an interval schedule gets a scheduled run every interval; a paused one gets none")
    func intervalRuns() async throws {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("interval"))
        let every = try DAG("every_20ms", schedule: .interval(.milliseconds(20)), tasks: [TaskDefinition("t") { _ in .none }])
        let paused = try DAG("paused", schedule: .interval(.milliseconds(5)), isPausedUponCreation: true,
                             tasks: [TaskDefinition("t") { _ in .none }])
        try await orchestrator.register(dags: [every, paused])
        let runs = try await orchestrator.withServices {
            try await orchestrator.scheduler.waitForFinishedRuns(of: "every_20ms", count: 3)
        }
        #expect(runs.count >= 3)
        #expect(runs.allSatisfy { $0.runType == .scheduled && $0.state == .success })
        #expect(try await orchestrator.scheduler.runs(of: "paused").isEmpty)
    }
}
