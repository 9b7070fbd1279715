import Eventide
import EventideTesting
import Foundation
import Synchronization
import Testing

@Suite("Executor: task runs, retries, outlets, deferral", .timeLimit(.minutes(3)))
struct ExecutorTests {
    let asset = try! Asset(uri: "s3://lake/orders")

    func orchestrator(_ dags: [DAG], assets: [Asset] = [], clock: EventideClock = .system) async throws -> Orchestrator
    {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("executor"), clock: clock)
        try await orchestrator.register(dags: dags, assets: assets)
        return orchestrator
    }

    /// Registers the DAG, triggers one run and returns it once finished.
    func runOnce(_ dag: DAG) async throws -> DagRun {
        let orchestrator = try await orchestrator([dag])
        return try await orchestrator.withServices {
            try await orchestrator.scheduler.triggerRun(dag.dagId)
            return try #require(try await orchestrator.scheduler.waitForFinishedRuns(of: dag.dagId, count: 1).first)
        }
    }

    @Test("a failing task is retried after its policy's delays on the clock, and the run succeeds when a retry does")
    func retries() async throws {
        let attempts = Counter()
        let clock = TestClock()
        let policy = RetryPolicy(retries: 2, delay: .seconds(600), exponentialBackoff: true)
        let dag = try DAG(
            "flaky",
            tasks: [
                TaskDefinition("call", retry: policy) { context in
                    if attempts.next() < 3 { throw CocoaError(.fileReadUnknown) }
                    return TaskOutput(value: .number(Double(context.tryNumber)))
                }
            ])
        let orchestrator = try await orchestrator([dag], clock: EventideClock(clock))
        let run = try await orchestrator.withServices {
            let ref = try await orchestrator.scheduler.triggerRun("flaky")
            try await clock.waitForSleepers()
            #expect(attempts.current == 1, "the first retry waits for its 10 minutes")
            #expect(try await orchestrator.scheduler.run(ref)?.taskInstances.first?.state == .upForRetry)
            await clock.advance(by: .seconds(599))
            #expect(attempts.current == 1 && clock.sleeperCount == 1, "not a second early")
            await clock.advance(by: .seconds(1))
            try await clock.waitForSleepers()
            #expect(attempts.current == 2)
            await clock.advance(by: .seconds(1200))  // the second retry waits twice as long
            return try #require(try await orchestrator.scheduler.waitForFinishedRuns(of: "flaky", count: 1).first)
        }
        #expect(run.state == .success)
        #expect(run.taskInstances.first?.tryNumber == 3)
        #expect(attempts.current == 3)
        let ended = try #require(run.endedAt)
        #expect(
            ended.timeIntervalSince(clock.epoch) == 1800, "stamped on the test clock: 10 + 20 minutes after its epoch")
    }

    @Test("a task out of retries fails the run and marks downstream upstream_failed")
    func failurePropagates() async throws {
        let dag = try DAG(
            "broken",
            tasks: [
                TaskDefinition("extract", retry: RetryPolicy(retries: 1, delay: .milliseconds(1))) { _ in
                    throw CocoaError(.fileNoSuchFile)
                },
                TaskDefinition("load", upstream: ["extract"]) { _ in .none },
            ])
        let run = try await runOnce(dag)
        #expect(run.state == .failed)
        #expect(run.taskInstances.map(\.state) == [.failed, .upstreamFailed])
        #expect(run.taskInstances.first?.tryNumber == 2)
        #expect(run.taskInstances.first?.note?.isEmpty == false)
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
        #expect(runs.first?.state == .success)
    }

    @Test("exponential backoff doubles the delay up to the cap")
    func backoff() {
        let policy = RetryPolicy(retries: 5, delay: .seconds(1), exponentialBackoff: true, maxDelay: .seconds(5))
        #expect(
            (2...6).map { policy.delay(beforeTry: $0) } == [
                .seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5),
            ])
    }

    @Test("the cap bounds only exponential growth: a constant or first delay longer than a minute is waited in full")
    func longDelaysAreNotCut() {
        #expect(RetryPolicy(retries: 3, delay: .seconds(300)).delay(beforeTry: 3) == .seconds(300))
        #expect(
            RetryPolicy(retries: 3, delay: .seconds(300), maxDelay: .seconds(5)).delay(beforeTry: 2) == .seconds(300))
        let exponential = RetryPolicy(retries: 3, delay: .seconds(600), exponentialBackoff: true)
        #expect((2...4).map { exponential.delay(beforeTry: $0) } == [.seconds(600), .seconds(1200), .seconds(2400)])
        #expect(
            RetryPolicy(retries: 30, delay: .seconds(600), exponentialBackoff: true).delay(beforeTry: 30)
                == .seconds(86_400))
    }

    @Test("jitter shortens each wait by at most its fraction; none without it")
    func jitter() {
        let policy = RetryPolicy(retries: 3, delay: .seconds(10), jitter: 0.2)
        var random = SystemRandomNumberGenerator()
        let delays = (0..<50).map { _ in policy.jitteredDelay(beforeTry: 2, using: &random) }
        #expect(delays.allSatisfy { $0 > .seconds(8) - .milliseconds(1) && $0 <= .seconds(10) })
        #expect(RetryPolicy(retries: 1, delay: .seconds(3)).jitteredDelay(beforeTry: 2, using: &random) == .seconds(3))
    }

    @Test("the default watcher restart policy backs off exponentially to a cap and lasts about five minutes")
    func watcherRestartPolicy() {
        let policy = RetryPolicy.watcherRestart
        let delays = (2...(policy.retries + 1)).map { policy.delay(beforeTry: $0) }
        #expect(delays.prefix(3) == [.seconds(1), .seconds(2), .seconds(4)])
        #expect(delays.max() == policy.maxDelay)
        let total = delays.reduce(Duration.zero, +)
        #expect(total >= .seconds(240) && total <= .seconds(420))
        #expect(policy.jitter > 0)
    }

    @Test("a skipped task emits no outlet event and skips its downstream tasks")
    func skipPropagates() async throws {
        let dag = try DAG(
            "gate",
            tasks: [
                TaskDefinition("check") { _ in throw TaskSkipped("nothing new") },
                TaskDefinition("publish", upstream: ["check"], outlets: [asset]) { _ in .none },
            ])
        let orchestrator = try await orchestrator([dag])
        let run = try await orchestrator.withServices {
            try await orchestrator.scheduler.triggerRun("gate")
            return try #require(try await orchestrator.scheduler.waitForFinishedRuns(of: "gate", count: 1).first)
        }
        #expect(run.state == .success)
        #expect(run.taskInstances.map(\.state) == [.skipped, .skipped])
        #expect(try await orchestrator.scheduler.assetEvents(for: asset.key).isEmpty)
    }

    @Test("a successful outlet task triggers the consumer with its extra; the consumer sees it")
    func outletTriggersConsumer() async throws {
        let seen = Mutex<[JSONValue]>([])
        let producer = try DAG(
            "producer",
            tasks: [
                TaskDefinition("write", outlets: [asset]) { _ in
                    TaskOutput(outletExtra: [asset.key: ["rows": 42]])
                }
            ])
        let consumer = try DAG(
            "consumer", schedule: .on([asset]),
            tasks: [
                TaskDefinition("read") { context in
                    seen.withLock { $0 += context.triggeringEvents(of: asset).compactMap { $0.extra["rows"] } }
                    return .none
                }
            ])
        let orchestrator = try await orchestrator([producer, consumer])
        let run = try await orchestrator.withServices {
            try await orchestrator.scheduler.triggerRun("producer")
            return try #require(try await orchestrator.scheduler.waitForFinishedRuns(of: "consumer", count: 1).first)
        }
        #expect(run.state == .success)
        #expect(seen.withLock { $0 } == [42])
        let event = try #require(run.triggeringAssetEvents.first)
        guard case .task(let dagId, _, let taskId) = event.source else {
            Issue.record("source \(event.source)"); return
        }
        #expect(dagId == "producer" && taskId == "write")
    }

    @Test("a deferred task is deferred while its trigger waits and resumes with the event")
    func deferral() async throws {
        let trigger = ManualTrigger()
        let dag = try DAG(
            "sensor",
            tasks: [
                TaskDefinition("wait") { context in
                    let event = try await context.deferUntil(trigger, timeout: .seconds(30))
                    return TaskOutput(value: event.payload)
                }
            ])
        let orchestrator = try await orchestrator([dag])
        let (stateWhileWaiting, run) = try await orchestrator.withServices {
            let ref = try await orchestrator.scheduler.triggerRun("sensor")
            try await trigger.waitUntilOpened()
            let state = try await orchestrator.scheduler.run(ref)?.taskInstances.first?.state
            trigger.fire(["file": "a.csv"], messageId: "1")
            return (
                state, try #require(try await orchestrator.scheduler.waitForFinishedRuns(of: "sensor", count: 1).first)
            )
        }
        #expect(stateWhileWaiting == .deferred)
        #expect(run.state == .success)
    }

    @Test("a deferred task whose trigger does not fire in time fails without retrying")
    func deferralTimeout() async throws {
        let dag = try DAG(
            "sensor",
            tasks: [
                TaskDefinition("wait", retry: RetryPolicy(retries: 3)) { context in
                    _ = try await context.deferUntil(ManualTrigger(), timeout: .milliseconds(20))
                    return .none
                }
            ])
        let run = try await runOnce(dag)
        let task = try #require(run.taskInstances.first)
        #expect(task.state == .failed)
        #expect(task.tryNumber == 1)
    }

    @Test("a DAG with a cycle or an unknown upstream is refused")
    func invalidDags() {
        #expect(throws: DagError.self) {
            try DAG(
                "cyclic",
                tasks: [
                    TaskDefinition("a", upstream: ["b"]) { _ in .none },
                    TaskDefinition("b", upstream: ["a"]) { _ in .none },
                ])
        }
        #expect(throws: DagError.unknownUpstream(dagId: "d", taskId: "a", upstream: "zz")) {
            try DAG("d", tasks: [TaskDefinition("a", upstream: ["zz"]) { _ in .none }])
        }
        #expect(throws: DagError.invalidDagId("bad id")) { try DAG("bad id", tasks: []) }
    }
}
