import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex117_05_04_cross_dag_events

@Suite("117.5.4 Cross-DAG Event Propagation", .timeLimit(.minutes(5)))
struct CrossDagEventsTests {
    func run(_ database: EventideDatabase? = nil) async throws -> (CrossDagEvents.Outcome, EventideDatabase) {
        let database = try database ?? TemporaryDatabase.make("117_05_04")
        return (try await CrossDagEvents.run(.init(seed: 5), database: database).outcome, database)
    }

    func hop(_ outcome: CrossDagEvents.Outcome, _ index: Int) throws -> CrossDagEvents.Hop {
        try #require(outcome.lineage.indices.contains(index) ? outcome.lineage[index] : nil)
    }

    @Test("117.5.4/1 orders_producer produces the orders asset: its publish task records the event")
    func producesInOneDag() async throws {
        let (outcome, database) = try await run()
        let produced = try hop(outcome, 4)
        #expect(produced.kind == .event)
        let publish = try hop(outcome, 3)
        #expect(
            publish.kind == .task && publish.node.hasPrefix("task:orders_producer/")
                && publish.node.hasSuffix("/publish"))
        #expect(produced.causationId == publish.node)
        let scheduler = Scheduler(database: database)
        let orders = try await scheduler.assetEvents(for: AssetKey(name: "orders", uri: "s3://warehouse/orders"))
        #expect(orders.count == 2)
        for event in orders {
            guard case .task(let dagId, _, let taskId) = event.source else {
                Issue.record("orders event #\(event.id) not from a task: \(event.source)")
                continue
            }
            #expect(dagId == "orders_producer" && taskId == "publish" && event.extra["order"] != nil)
        }
    }

    @Test("117.5.4/2 billing consumes it through the watcher on the outbox queue, in another DAG")
    func consumesViaWatcher() async throws {
        let (outcome, _) = try await run()
        let message = try hop(outcome, 5)
        let feed = try hop(outcome, 6)
        let billingRun = try hop(outcome, 7)
        #expect(message.kind == .message && message.node.hasPrefix("message:orders_feed_watcher/"))
        #expect(message.causationId == (try hop(outcome, 4)).node, "the relayed message names the producer's event")
        #expect(feed.kind == .event && feed.label.contains("watcher orders_feed_watcher"))
        #expect(
            billingRun.kind == .run && billingRun.node.hasPrefix("run:billing/") && billingRun.causationId == feed.node)
        let consumer = try #require(outcome.triggered.consumers.first { $0.dagId == "billing" })
        #expect(consumer.link == .direct && consumer.verdict.triggered)
        #expect(outcome.triggered.event.id == Int64(feed.node.dropFirst("event:".count)))
    }

    @Test("117.5.4/3 lineage across DAGs: one correlation id, each step caused by the previous, one trace tree")
    func tracksLineage() async throws {
        let (outcome, database) = try await run()
        #expect(
            outcome.lineage.map(\.kind)
                == [.message, .event, .run, .task, .event, .message, .event, .run, .task])
        #expect(Set(outcome.lineage.map(\.correlationId)) == ["order-o-1001"])
        #expect(outcome.lineage.first?.causationId == nil)
        for (cause, effect) in zip(outcome.lineage, outcome.lineage.dropFirst()) {
            #expect(effect.causationId == cause.node)
        }
        #expect(outcome.lineage.last?.node.hasSuffix("/invoice") == true)
        // Trace: every span of o-1001 in one trace, each step's span a child of its cause's.
        #expect(outcome.traceIds.count == 1)
        let spans = Dictionary(outcome.spans.map { ($0.spanId, $0) }, uniquingKeysWith: { first, _ in first })
        for (cause, effect) in zip(outcome.lineage, outcome.lineage.dropFirst()) where effect.kind != .message {
            let parent = try #require(effect.traceParent?.spanId).flatMap { spans[$0]?.parentSpanId }
            let expected = cause.traceParent?.spanId
            #expect(parent == expected, "\(effect.node) is a child of \(cause.node)'s span")
        }
        let root = try #require(outcome.spans.first { $0.parentSpanId == nil })
        #expect(root.name == "send orders-in" && root.kind == .producer)
        #expect(
            outcome.traceTree.first == "send orders-in"
                && outcome.traceTree.last?.hasSuffix("task billing.invoice") == true)
        #expect(outcome.trackingFailures.isEmpty)
        // Persisted: the same chain is read back from the store after the fact.
        let last = try #require(outcome.lineage.last)
        let stored = try LineageStore(database: database).chain(to: last.node)
        #expect(stored.map(\.id) == outcome.lineage.map(\.node))
    }

    @Test(
        "117.5.4/4 explain: the event that triggered billing, and the one that did not (billing paused, audit waiting)")
    func debugsPropagation() async throws {
        let (outcome, database) = try await run()
        func verdict(_ explanation: EventExplanation, _ dagId: String) -> PropagationVerdict? {
            explanation.consumers.first { $0.dagId == dagId }?.verdict
        }
        #expect(outcome.triggered.consumers.map(\.dagId) == ["audit", "billing"])
        #expect(verdict(outcome.triggered, "billing")?.triggered == true)
        #expect(verdict(outcome.triggered, "audit") == .waiting(awaits: ["audit_window"]))
        #expect(verdict(outcome.notTriggered, "billing") == .paused(conditionMet: true, awaits: []))
        #expect(verdict(outcome.notTriggered, "audit") == .waiting(awaits: ["audit_window"]))
        #expect(outcome.notTriggered.lineage?.correlationId == "order-o-1002")
        #expect(outcome.billing.paused && outcome.billing.queued.map(\.id) == [outcome.notTriggered.event.id])
        #expect(outcome.billing.recentRuns.count == 1)
        // Unpausing billing makes the paused verdict come true: the queued event makes a run at once.
        let scheduler = Scheduler(database: database)
        let assets = try CrossDagEvents.Assets(queues: EmbeddedQueue(database: database))
        try await scheduler.register(try CrossDagEvents.consumers(assets), assets: assets.all)
        try await scheduler.setPaused("billing", false)
        let after = try LineageExplainer(database: database).explain(event: outcome.notTriggered.event.id)
        #expect(verdict(after, "billing")?.triggered == true)
    }

    @Test(
        "117.5.4 eventide-explain prints the explanation of a kept store, as text and as JSON; bad flags exit non-zero")
    func explainTool() async throws {
        let (outcome, database) = try await run()
        let id = String(outcome.notTriggered.event.id)
        let json = try BuiltProduct.run("eventide-explain", ["--db", database.path, "--event", id, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let decoded = try decoder.decode(EventExplanation.self, from: Data(json.stdout.utf8))
        #expect(decoded.consumers == outcome.notTriggered.consumers)
        let text = try BuiltProduct.run("eventide-explain", ["--db", database.path, "--dag", "billing"])
        #expect(text.status == 0 && !text.stdout.isEmpty)
        #expect(try BuiltProduct.run("eventide-explain", ["--db", database.path]).status != 0)
        #expect(try BuiltProduct.run("eventide-explain", ["--db", database.path, "--event", "999"]).status != 0)
        #expect(try BuiltProduct.run("eventide-explain", ["--db", database.path, "--dag", "nope"]).status != 0)
    }

    @Test("117.5.4 a used --db is refused rather than mixing two runs' lineage")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { try await CrossDagEvents.run(.init(), database: $0) }
    }

    @Test("117.5.4 an order message without an id fails validate: no orders event, so nothing reaches billing")
    func malformedOrder() async throws {
        let database = try TemporaryDatabase.make("117_05_04_bad")
        let queues = EmbeddedQueue(database: database)
        let assets = try CrossDagEvents.Assets(queues: queues)
        for queue in ["orders-in", "orders-outbox"] { try await queues.createQueue(queue, QueueSettings()) }
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(
            dags: [try CrossDagEvents.producer(assets)] + (try CrossDagEvents.consumers(assets)), assets: assets.all)
        let scheduler = orchestrator.scheduler
        let run = try await orchestrator.withServices {
            try await scheduler.recordAssetEvent(
                assets.rawOrders.key, source: .watcher(name: "orders_in_watcher", messageId: "bad-1"),
                triggerPayload: ["body": ["amount": 5]])
            return try #require(try await scheduler.waitForFinishedRuns(of: "orders_producer", count: 1).first)
        }
        #expect(run.state == .failed)
        let validate = try #require(run.taskInstances.first { $0.taskId == "validate" })
        #expect(validate.state == .failed)
        #expect(try await scheduler.assetEvents(for: assets.orders.key).isEmpty)
        #expect(try await scheduler.runs(of: "billing").isEmpty)
        #expect(CrossDagEvents.shown("message:orders_in_watcher/0d1e") == "message:orders_in_watcher/…")
        #expect(CrossDagEvents.shown("event:3") == "event:3")
    }
}
