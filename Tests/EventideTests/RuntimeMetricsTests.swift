import Eventide
import EventideTesting
import Foundation
import Metrics
import MetricsTestKit
import Testing

/// The runtime's metrics, recorded into swift-metrics' test backend passed explicitly (no global bootstrap, so
/// the suites can run in parallel in one process).
@Suite("Runtime metrics", .timeLimit(.minutes(2)))
struct RuntimeMetricsTests {
    let orders = try! Asset(uri: "s3://lake/orders")

    func counter(_ metrics: TestMetrics, _ name: String, _ dimensions: [(String, String)]) -> Int64 {
        metrics.counterTotal(label: name, dimensions: dimensions)
    }

    @Test("events recorded and duplicates dropped are counted by source kind, runs created by DAG and run type")
    func eventsAndRuns() async throws {
        let metrics = TestMetrics()
        let scheduler = Scheduler(
            database: try TemporaryDatabase.make("metrics"), metrics: RuntimeMetrics(factory: metrics))
        let consumer = try DAG("consumer", schedule: .on([orders]), tasks: [TaskDefinition("t") { _ in .none }])
        let manual = try DAG("manual", tasks: [TaskDefinition("t") { _ in .none }])
        try await scheduler.register([consumer, manual], assets: [orders])

        try await scheduler.recordAssetEvent(orders.key, source: .api(messageId: "m1"))
        try await scheduler.recordAssetEvent(orders.key, source: .api(messageId: "m1"))  // a retried call
        try await scheduler.recordAssetEvent(orders.key, source: .api(messageId: "m2"))
        try await scheduler.triggerRun("manual")

        #expect(counter(metrics, MetricName.assetEventsRecorded, [("source_kind", "api")]) == 2)
        #expect(counter(metrics, MetricName.assetEventDuplicates, [("source_kind", "api")]) == 1)
        #expect(
            counter(metrics, MetricName.dagRunsCreated, [("dag_id", "consumer"), ("run_type", "asset_triggered")]) == 2)
        #expect(counter(metrics, MetricName.dagRunsCreated, [("dag_id", "manual"), ("run_type", "manual")]) == 1)
    }

    @Test("run durations are recorded by DAG and final state, measured on the scheduler's clock")
    func runDurations() async throws {
        let metrics = TestMetrics()
        let clock = TestClock()
        let orchestrator = Orchestrator(
            database: try TemporaryDatabase.make("metrics"), clock: EventideClock(clock),
            metrics: RuntimeMetrics(factory: metrics))
        let slow = try DAG(
            "slow",
            tasks: [
                TaskDefinition("wait") { context in
                    try await context.clock.sleep(for: .seconds(30)); return .none
                }
            ])
        let broken = try DAG("broken", tasks: [TaskDefinition("fail") { _ in throw TaskFailure() }])
        try await orchestrator.register(dags: [slow, broken])
        try await orchestrator.withServices {
            try await orchestrator.scheduler.triggerRun("slow")
            try await clock.waitForSleepers()
            await clock.advance(by: .seconds(30))
            _ = try await orchestrator.scheduler.waitForFinishedRuns(of: "slow", count: 1)
            try await orchestrator.scheduler.triggerRun("broken")
            _ = try await orchestrator.scheduler.waitForFinishedRuns(of: "broken", count: 1)
        }
        let slowRuns = try metrics.expectTimer(MetricName.dagRunDuration, [("dag_id", "slow"), ("state", "success")])
        #expect(slowRuns.values == [30_000_000_000])
        let brokenRuns = try metrics.expectTimer(
            MetricName.dagRunDuration, [("dag_id", "broken"), ("state", "failed")])
        #expect(brokenRuns.values == [0])
        #expect(metrics.timers(label: MetricName.dagRunDuration).count == 2)
    }

    @Test("a watcher's outcomes, restarts and failure are counted by watcher")
    func watcherOutcomes() async throws {
        let metrics = TestMetrics()
        let orchestrator = Orchestrator(
            database: try TemporaryDatabase.make("metrics"), metrics: RuntimeMetrics(factory: metrics))
        let trigger = ManualTrigger()
        let watcher = AssetWatcher(
            name: "orders_watcher", trigger: trigger,
            filter: { $0.payload["skip"] == nil },
            extract: { event in
                guard event.payload["id"] != nil else { throw TriggerError.ended(trigger: "no id") }
                return ["payload": event.payload]
            },
            restart: RetryPolicy(retries: 1, delay: .milliseconds(1)))
        let watched = orders.watched(by: [watcher])
        let dag = try DAG("consumer", schedule: .on([watched]), tasks: [TaskDefinition("t") { _ in .none }])
        try await orchestrator.register(dags: [dag], assets: [watched])
        let status = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "orders_watcher", state: .running)
            trigger.fire(["id": 1], messageId: "a")
            trigger.fire(["id": 1], messageId: "a")  // redelivered
            trigger.fire(["skip": true], messageId: "b")
            trigger.fire(["garbage": true], messageId: "c")
            _ = try await orchestrator.triggerer.waitFor(watcher: "orders_watcher") {
                $0.eventsSeen == 4 && $0.deadLettered == 1
            }
            trigger.fail(TriggerError.ended(trigger: "first failure"))
            try await trigger.waitUntilOpened(times: 2)
            trigger.fail(TriggerError.ended(trigger: "second failure"))
            return try await orchestrator.triggerer.waitFor(watcher: "orders_watcher", state: .failed)
        }
        #expect(status.restarts == 1)
        let watcherLabel = ("watcher", "orders_watcher")
        for (outcome, expected) in [("recorded", 1), ("duplicate", 1), ("filtered", 1), ("dead_lettered", 1)] {
            #expect(
                counter(metrics, MetricName.watcherEvents, [watcherLabel, ("outcome", outcome)]) == Int64(expected))
        }
        #expect(counter(metrics, MetricName.watcherRestarts, [watcherLabel]) == 1)
        #expect(counter(metrics, MetricName.watcherFailures, [watcherLabel]) == 1)
        #expect(counter(metrics, MetricName.deadLetters, [("source", "orders_watcher")]) == 1)
        #expect(counter(metrics, MetricName.assetEventsRecorded, [("source_kind", "watcher")]) == 1)
        #expect(counter(metrics, MetricName.assetEventDuplicates, [("source_kind", "watcher")]) == 1)
    }

    @Test("watcher lag runs from the source's timestamp, else the trigger's observation, to the commit")
    func watcherLag() async throws {
        let metrics = TestMetrics()
        let clock = TestClock()
        let orchestrator = Orchestrator(
            database: try TemporaryDatabase.make("metrics"), clock: EventideClock(clock),
            metrics: RuntimeMetrics(factory: metrics))
        let now = orchestrator.clock.date  // the test clock stands still: commits happen at this date
        let trigger = StampedTrigger(fired: [
            TriggerEvent(payload: ["n": 1], messageId: "1", occurredAt: now.addingTimeInterval(-4)),
            TriggerEvent(payload: ["n": 2], messageId: "2", observedAt: now.addingTimeInterval(-1.5)),
            TriggerEvent(payload: ["n": 3], messageId: "3"),
        ])
        let watched = orders.watched(by: [AssetWatcher(name: "stamped", trigger: trigger)])
        let dag = try DAG("consumer", schedule: .on([watched]), tasks: [TaskDefinition("t") { _ in .none }])
        try await orchestrator.register(dags: [dag], assets: [watched])
        let status = try await orchestrator.withServices {
            try await orchestrator.triggerer.waitFor(watcher: "stamped") { $0.eventsRecorded == 3 }
        }
        let lag = try metrics.expectTimer(MetricName.watcherLag, [("watcher", "stamped")])
        #expect(lag.values == [4_000_000_000, 1_500_000_000, 0])
        #expect(status.lastLag == .zero)
    }

    @Test("dead letters are counted by source once, redrives too")
    func deadLetters() async throws {
        let metrics = TestMetrics()
        let queue = DeadLetterQueue(
            database: try TemporaryDatabase.make("metrics"), metrics: RuntimeMetrics(factory: metrics))
        let letter = try await queue.add(source: "w", messageId: "m1", payload: ["x": 1], reason: "bad")
        try await queue.add(source: "w", messageId: "m1", payload: ["x": 1], reason: "bad")  // delivered again
        try await queue.add(source: "other", messageId: nil, payload: ["y": 2], reason: "worse")
        try await queue.markRedriven([letter.id, letter.id])
        #expect(counter(metrics, MetricName.deadLetters, [("source", "w")]) == 1)
        #expect(counter(metrics, MetricName.deadLetters, [("source", "other")]) == 1)
        #expect(counter(metrics, MetricName.deadLettersRedriven, [("source", "w")]) == 1)
        #expect(metrics.counters(label: MetricName.deadLettersRedriven).count == 1)
    }

    @Test("embedded queue messages are counted by queue and outcome, a redrive-policy move included")
    func embeddedQueueTraffic() async throws {
        let metrics = TestMetrics()
        let queues = EmbeddedQueue(
            database: try TemporaryDatabase.make("metrics"), metrics: RuntimeMetrics(factory: metrics))
        try await queues.createQueue("jobs-dlq")
        try await queues.createQueue(
            "jobs", QueueSettings(visibilityTimeout: .zero, deadLetterQueue: "jobs-dlq", maxReceives: 1))
        for n in 1...3 { try await queues.send("jobs", body: "\(n)") }
        let first = try await queues.receive("jobs", limit: 3)
        try #require(first.count == 3)
        try await queues.delete("jobs", receipt: first[0].receipt)
        try await queues.deadLetter("jobs", receipt: first[1].receipt, reason: "refused")
        // Visible again at once (timeout zero) and received once already: the policy moves it to the DLQ.
        #expect(try await queues.receive("jobs").isEmpty)
        func count(_ outcome: String) -> Int64 {
            counter(metrics, MetricName.embeddedQueueMessages, [("queue", "jobs"), ("outcome", outcome)])
        }
        #expect([count("sent"), count("received"), count("deleted"), count("dead_lettered")] == [3, 3, 1, 2])
    }

    @Test("queue depths, embedded queue depths and waiting dead letters are sampled from the store")
    func sampledDepths() async throws {
        let metrics = TestMetrics()
        let runtimeMetrics = RuntimeMetrics(factory: metrics)
        let database = try TemporaryDatabase.make("metrics")
        let scheduler = Scheduler(database: database, metrics: runtimeMetrics)
        let paused = try DAG(
            "paused", schedule: .on([orders]), isPausedUponCreation: true, tasks: [TaskDefinition("t") { _ in .none }])
        let idle = try DAG("idle", tasks: [TaskDefinition("t") { _ in .none }])
        try await scheduler.register([paused, idle], assets: [orders])
        for n in 1...3 { try await scheduler.recordAssetEvent(orders.key, source: .api(messageId: "\(n)")) }
        let queues = EmbeddedQueue(database: database)
        try await queues.createQueue("jobs", QueueSettings(visibilityTimeout: .seconds(60)))
        for n in 1...3 { try await queues.send("jobs", body: "\(n)") }
        _ = try await queues.receive("jobs", limit: 1)
        let letters = DeadLetterQueue(database: database)
        let letter = try await letters.add(source: "w", messageId: "a", payload: [:], reason: "bad")
        try await letters.add(source: "w", messageId: "b", payload: [:], reason: "bad")
        try await letters.markRedriven([letter.id])

        let depths = try await runtimeMetrics.sampleStore(database)
        #expect(depths.assetEventQueues == ["paused": 3, "idle": 0])
        #expect(depths.embeddedQueues == ["jobs": .init(visible: 2, inFlight: 1)])
        #expect(depths.deadLettersWaiting == ["w": 1])
        func gauge(_ name: String, _ dimensions: [(String, String)]) throws -> Double? {
            try metrics.expectGauge(name, dimensions).lastValue
        }
        #expect(try gauge(MetricName.assetEventQueueDepth, [("dag_id", "paused")]) == 3)
        #expect(try gauge(MetricName.assetEventQueueDepth, [("dag_id", "idle")]) == 0)
        #expect(try gauge(MetricName.embeddedQueueDepth, [("queue", "jobs"), ("state", "visible")]) == 2)
        #expect(try gauge(MetricName.embeddedQueueDepth, [("queue", "jobs"), ("state", "in_flight")]) == 1)
        #expect(try gauge(MetricName.deadLettersWaiting, [("source", "w")]) == 1)

        try await scheduler.setPaused("paused", false)  // one batched run consumes the queue
        #expect(try await runtimeMetrics.sampleStore(database).assetEventQueues["paused"] == 0)
        #expect(try gauge(MetricName.assetEventQueueDepth, [("dag_id", "paused")]) == 0)
    }

    @Test("without a factory given, the runtime reports to the process's (here the task's) metrics factory")
    func defaultFactory() async throws {
        let metrics = TestMetrics()
        let database = try TemporaryDatabase.make("metrics")
        let scheduler = withMetricsFactory(metrics) { Scheduler(database: database) }
        try await scheduler.register([], assets: [orders])
        try await scheduler.recordAssetEvent(orders.key, source: .api(messageId: nil))
        #expect(counter(metrics, MetricName.assetEventsRecorded, [("source_kind", "api")]) == 1)
    }
}

/// A trigger that fires the given events, then stays open.
private struct StampedTrigger: Trigger {
    let fired: [TriggerEvent]
    var description: String { "StampedTrigger" }

    func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: TriggerEvent.self)
        for event in fired { continuation.yield(event) }
        return stream
    }
}

/// What a failing task throws.
private struct TaskFailure: Error {}
