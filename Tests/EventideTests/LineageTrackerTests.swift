import Eventide
import EventideTesting
import Foundation
import Testing
import Tracing

@Suite(
    "Lineage: correlation and causation ids and spans from source message to downstream task", .timeLimit(.minutes(2)))
struct LineageTrackerTests {
    let inbox = try! Asset(uri: "eventide://queue/orders-in", name: "raw_orders")
    let orders = try! Asset(uri: "s3://lake/orders", name: "orders")
    let sender = TraceParent(traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7")!

    /// producer (on raw_orders) → publish emits orders → consumer (on orders) → load.
    func dags(publish: @escaping TaskDefinition.Body = { _ in .none }) throws -> [DAG] {
        [
            try DAG(
                "producer", schedule: .on([inbox]),
                tasks: [
                    TaskDefinition("validate") { _ in .none },
                    TaskDefinition("publish", upstream: ["validate"], outlets: [orders], body: publish),
                ]),
            try DAG("consumer", schedule: .on([orders]), tasks: [TaskDefinition("load") { _ in .none }]),
        ]
    }

    /// The payload an embedded queue's trigger gives: the body, the message attributes, the queue.
    func payload(correlation: String?, traceParent: TraceParent?) -> JSONValue {
        var attributes: [String: JSONValue] = [:]
        if let correlation { attributes[LineageHeaders.correlationKey] = .string(correlation) }
        if let traceParent { attributes[TraceParent.headerName] = .string(traceParent.description) }
        return ["body": ["order": "o-1"], "attributes": .object(attributes), "queue": "orders-in"]
    }

    /// Records the watcher's event and waits until the consumer's run finished.
    func runChain(_ orchestrator: Orchestrator, payload: JSONValue) async throws -> DagRun {
        try await orchestrator.withServices {
            try await orchestrator.scheduler.recordAssetEvent(
                inbox.key, source: .watcher(name: "orders_in_watcher", messageId: "m-1"), triggerPayload: payload)
            return try #require(try await orchestrator.scheduler.waitForFinishedRuns(of: "consumer", count: 1).first)
        }
    }

    @Test("the chain message → event → run → task → event → run → task shares the message's correlation id")
    func chainAfterTheFact() async throws {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("lineage-chain"))
        try await orchestrator.register(dags: try dags(), assets: [inbox, orders])
        let consumerRun = try await runChain(
            orchestrator, payload: payload(correlation: "order-o-1", traceParent: sender))
        let tracker = LineageTracker(scheduler: orchestrator.scheduler, tracer: RecordingTracer(seed: 1))
        try await tracker.catchUp()  // nothing was followed live: the lineage is derived from the store

        let chain = try tracker.store.chain(to: LineageNode.task(consumerRun.ref, taskId: "load"))
        #expect(chain.map(\.kind) == [.message, .event, .run, .task, .event, .run, .task])
        #expect(chain.first?.id == LineageNode.message(watcher: "orders_in_watcher", messageId: "m-1"))
        #expect(Set(chain.map(\.correlationId)) == ["order-o-1"])
        for (cause, effect) in zip(chain, chain.dropFirst()) { #expect(effect.causationId == cause.id) }
        let producerTask = chain[3]
        #expect(producerTask.id.hasSuffix("/publish"))
        let downstream = try tracker.store.downstream(of: chain[0].id)
        #expect(downstream.map(\.id).contains(LineageNode.task(consumerRun.ref, taskId: "load")))
        #expect(try tracker.store.nodes(correlationId: "order-o-1").count == 8)  // both producer tasks too
    }

    @Test("spans: one trace continuing the sender's, each step a child of its cause, every span ended")
    func traceTree() async throws {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("lineage-trace"))
        try await orchestrator.register(dags: try dags(), assets: [inbox, orders])
        _ = try await runChain(orchestrator, payload: payload(correlation: nil, traceParent: sender))
        let tracer = RecordingTracer(seed: 2)
        let tracker = LineageTracker(scheduler: orchestrator.scheduler, tracer: tracer)
        try await tracker.catchUp()
        let spans = tracer.finishedSpans
        #expect(Set(spans.map(\.traceId)) == [sender.traceId])
        let tree = TraceTree(spans: spans)
        #expect(
            tree.lines() == [
                "record raw_orders (child of a remote span)", "  run producer", "    task producer.validate",
                "    task producer.publish", "      record orders", "        run consumer",
                "          task consumer.load",
            ])
        #expect(tree.roots.first?.span.parentSpanId == sender.spanId)
        // Without a correlation id on the message, the message itself is the transaction's id.
        let first = try #require(try tracker.store.node(LineageNode.event(1)))
        #expect(first.correlationId == LineageNode.message(watcher: "orders_in_watcher", messageId: "m-1"))
    }

    @Test("followed live: a task's headers name itself and its span; the event it emits is that span's child")
    func liveHeadersFromATask() async throws {
        let tracer = RecordingTracer(seed: 3)
        let seen = HeadersBox()
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("lineage-live"))
        let live = LineageTracker(scheduler: orchestrator.scheduler, tracer: tracer)
        try await orchestrator.register(
            dags: try dags(publish: { context in
                await seen.set(try await live.headers(for: context))
                return .none
            }), assets: [inbox, orders])
        let consumerRun = try await orchestrator.withServices {
            try await withThrowingTaskGroup(of: DagRun?.self) { group in
                group.addTask {
                    try await live.run(); return nil
                }
                group.addTask {
                    try await runChain(orchestrator, payload: payload(correlation: "c-9", traceParent: nil))
                }
                defer { group.cancelAll() }
                while let result = try await group.next() { if let result { return result } }
                throw CancellationError()
            }
        }
        try await live.catchUp()  // settles what the notifications had not delivered yet
        #expect(await live.failures.isEmpty)
        let headers = try #require(await seen.value)
        #expect(headers.correlationId == "c-9")
        let producerTask = try #require(headers.causationId)
        #expect(producerTask.hasPrefix("task:producer/") && producerTask.hasSuffix("/publish"))
        let taskSpan = try #require(headers.traceParent)
        let emitted = try #require(tracer.finishedSpans.first { $0.name == "record orders" })
        #expect(emitted.parentSpanId == taskSpan.spanId)
        #expect(tracer.finishedSpans.filter { $0.name == "task producer.publish" }.count == 1, "tracked once")
        let chain = try live.store.chain(to: LineageNode.task(consumerRun.ref, taskId: "load"))
        #expect(chain.count == 7 && chain[3].id == producerTask)
    }

    @Test("a run consuming two events has both as causes: the first is its parent span, the second a link")
    func runWithTwoCauses() async throws {
        let a = try Asset(uri: "s3://lake/a", name: "a")
        let b = try Asset(uri: "s3://lake/b", name: "b")
        let scheduler = Scheduler(database: try TemporaryDatabase.make("lineage-two"))
        try await scheduler.register(
            [try DAG("both", schedule: .on(a & b), tasks: [TaskDefinition("t") { _ in .none }])], assets: [a, b])
        let ea = try await scheduler.recordAssetEvent(
            a.key, extra: ["correlation_id": "tx-1"], source: .api(messageId: nil))
        let eb = try await scheduler.recordAssetEvent(b.key, source: .api(messageId: nil))
        let ref = try #require(eb.createdRuns.first)
        let tracer = RecordingTracer(seed: 4)
        let tracker = LineageTracker(scheduler: scheduler, tracer: tracer)
        let run = try await tracker.trackRun(ref)  // tracking the run tracks its events first
        #expect(run.causes == [LineageNode.event(ea.event.id), LineageNode.event(eb.event.id)])
        #expect(run.correlationId == "tx-1")
        let eventA = try #require(try tracker.store.node(LineageNode.event(ea.event.id)))
        #expect(run.parentSpanId == eventA.traceParent?.spanId)
        #expect(try await tracker.trackRun(ref) == run, "idempotent")
        #expect(tracer.finishedSpans.filter { $0.name.hasPrefix("record") }.count == 2)
    }

    @Test("message headers are read from queue attributes, a log record's CloudEvent, or the payload's own keys")
    func headersFromPayloads() {
        let queue = LineageHeaders(payload: [
            "attributes": ["correlation_id": "q", "traceparent": .string(sender.description)]
        ])
        #expect(queue.correlationId == "q" && queue.traceParent == sender)
        let log = LineageHeaders(payload: ["event": ["correlationid": "l", "causationid": "event:4"]])
        #expect(log.correlationId == "l" && log.causationId == "event:4" && log.traceParent == nil)
        let flat = LineageHeaders(payload: ["correlation_id": "f", "traceparent": "not-a-header"])
        #expect(flat.correlationId == "f" && flat.traceParent == nil)
        #expect(LineageHeaders(payload: nil) == LineageHeaders())
        let attributes = LineageHeaders(correlationId: "c", causationId: "event:1", traceParent: sender).attributes
        #expect(
            LineageHeaders(payload: ["attributes": .object(attributes.mapValues(JSONValue.string))]).traceParent
                == sender)
    }

    @Test("tracking what does not exist is a typed error")
    func unknownSteps() async throws {
        let tracker = LineageTracker(scheduler: Scheduler(database: try TemporaryDatabase.make("lineage-unknown")))
        await #expect(throws: LineageError.unknownEvent(99)) { try await tracker.trackEvent(99) }
        let ref = DagRunRef(dagId: "nope", runId: "r")
        await #expect(throws: LineageError.unknownRun(ref)) { try await tracker.trackRun(ref) }
    }
}

private actor HeadersBox {
    var value: LineageHeaders?
    func set(_ headers: LineageHeaders) { value = headers }
}
