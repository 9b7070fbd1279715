import Eventide
import EventideCLI
import Foundation
import Tracing

/// Drives `CrossDagEvents.swift`: the shop sends order o-1001 (with its own span and correlation id) and it flows
/// through the producer, the outbox relay and the watcher into `billing`; then `billing` is paused and o-1002 is
/// sent. Prints the lineage of o-1001 from the source message to the consuming task, its trace tree, and the
/// explanation of the two `orders_feed` events: one that triggered `billing`, one that did not.
extension CrossDagEvents {
    static let item = "117.5.4"
    static let title = "Cross-DAG Event Propagation"

    struct Configuration: Sendable {
        /// Seeds the tracer's span ids (the transcript never prints them; `--json` does).
        var seed: UInt64 = 117_054
    }

    /// One step of the lineage, source message first.
    struct Hop: Codable, Sendable, Hashable {
        let node: String
        let kind: LineageNode.Kind
        let label: String
        let correlationId: String
        let causationId: String?
        let traceParent: TraceParent?
    }

    struct Outcome: Codable, Sendable {
        /// o-1001 from the shop's message to `billing.invoice`.
        let lineage: [Hop]
        /// o-1001's trace, indented by parent.
        let traceTree: [String]
        /// o-1001's spans and the distinct trace ids among every span sharing its correlation id.
        let spans: [RecordedSpan]
        let traceIds: Set<String>
        /// The `orders_feed` event of o-1001 (billing ran) and of o-1002 (billing paused).
        let triggered: EventExplanation
        let notTriggered: EventExplanation
        let billing: DagExplanation
        /// Lineage steps the tracker could not record while following (none expected).
        let trackingFailures: [String]
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let queues = EmbeddedQueue(database: database)
        let assets = try Assets(queues: queues)
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [try producer(assets)] + (try consumers(assets)), assets: assets.all)
        try await orchestrator.requireFreshStore()
        for queue in ["orders-in", "orders-outbox"] { try await queues.createQueue(queue, QueueSettings()) }
        let tracer = RecordingTracer(seed: configuration.seed)
        let tracker = LineageTracker(scheduler: orchestrator.scheduler, tracer: tracer)
        let recorded = orchestrator.scheduler.recordedAssetEvents()  // the relay's subscription, before any event
        let outcome = try await orchestrator.withServices {
            try await withThrowingTaskGroup(of: Outcome?.self) { group in
                group.addTask {
                    try await tracker.run(); return nil
                }
                group.addTask {
                    try await relay(recorded, of: assets, to: queues, tracker: tracker); return nil
                }
                group.addTask {
                    try await story(orchestrator, assets: assets, queues: queues, tracker: tracker, timeline: timeline)
                }
                defer { group.cancelAll() }
                while let result = try await group.next() { if let result { return result } }
                throw CancellationError()
            }
        }
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// The shop's side: a span of its own, injected as `traceparent` beside its correlation id.
    static func send(order: String, queues: EmbeddedQueue, tracer: RecordingTracer) async throws -> Date {
        let span = tracer.startSpan("send orders-in", context: .topLevel, ofKind: .producer)
        var attributes = [LineageHeaders.correlationKey: "order-\(order)"]
        tracer.inject(span.context, into: &attributes, using: DictionaryInjector())
        _ = try await queues.send("orders-in", body: #"{"order": "\#(order)", "amount": 120}"#, attributes: attributes)
        span.end()
        return queues.clock.date
    }

    static func story(
        _ orchestrator: Orchestrator, assets: Assets, queues: EmbeddedQueue, tracker: LineageTracker,
        timeline: Timeline
    ) async throws -> Outcome {
        let scheduler = orchestrator.scheduler
        let tracer = tracker.tracer
        timeline.note(
            "o-1001 sent to orders-in by the shop (correlation order-o-1001, traceparent of its span)",
            at: try await send(order: "o-1001", queues: queues, tracer: tracer))
        guard let billingRun = try await scheduler.waitForFinishedRuns(of: "billing", count: 1).first else {
            throw ScenarioError.noBillingRun
        }
        try await scheduler.setPaused("billing", true)
        timeline.note("billing paused")
        timeline.note(
            "o-1002 sent to orders-in (correlation order-o-1002)",
            at: try await send(order: "o-1002", queues: queues, tracer: tracer))
        _ = try await scheduler.waitForFinishedRuns(of: "orders_producer", count: 2)
        _ = try await orchestrator.triggerer.waitFor(watcher: "orders_feed_watcher") { $0.eventsRecorded == 2 }
        try await tracker.catchUp()  // what the notifications have not delivered yet

        let chain = try tracker.store.chain(to: LineageNode.task(billingRun.ref, taskId: "invoice"))
        let lineage = chain.map {
            Hop(
                node: $0.id, kind: $0.kind, label: $0.label, correlationId: $0.correlationId,
                causationId: $0.causationId, traceParent: $0.traceParent)
        }
        for hop in lineage {
            timeline.note(
                "lineage: \(shown(hop.node)) [correlation \(hop.correlationId), caused by "
                    + "\(hop.causationId.map(shown) ?? "nothing: the root")]",
                at: chain.first { $0.id == hop.node }?.at ?? Date())
        }
        let trace = lineage.first?.traceParent?.traceId
        let spans = tracer.finishedSpans.filter { $0.traceId == trace }
        let tree = TraceTree(spans: spans).lines()
        for line in tree { timeline.note("trace of o-1001: " + line) }
        let correlated = try tracker.store.nodes(correlationId: "order-o-1001").compactMap(\.traceParent?.traceId)

        let feed = try await scheduler.assetEvents(for: assets.ordersFeed.key).map(\.id).sorted()
        guard feed.count == 2 else { throw ScenarioError.feedEvents(feed.count) }
        let explainer = LineageExplainer(database: scheduler.database)
        let triggered = try explainer.explain(event: feed[0])
        let notTriggered = try explainer.explain(event: feed[1])
        for explanation in [triggered, notTriggered] { note(explanation, timeline: timeline) }
        let billing = try explainer.explain(dag: "billing")
        timeline.note(
            "explain --dag billing: paused \(billing.paused), queued \(billing.queued.map { "#\($0.id)" }), "
                + "\(billing.verdict.map(String.init(describing:)) ?? "nothing queued")")
        return Outcome(
            lineage: lineage, traceTree: tree, spans: spans, traceIds: Set(correlated), triggered: triggered,
            notTriggered: notTriggered, billing: billing, trackingFailures: await tracker.failures)
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        case feedEvents(Int)
        case noBillingRun

        var description: String {
            switch self {
            case .noBillingRun: "billing finished no run for o-1001: check that the orders_feed watcher is running"
            case .feedEvents(let count): "expected 2 orders_feed events after two orders, found \(count)"
            }
        }
    }

    /// A node id as printed: a message's id is a random UUID, so the transcript shows only its watcher.
    static func shown(_ node: String) -> String {
        guard node.hasPrefix("message:"), let slash = node.firstIndex(of: "/") else { return node }
        return String(node[..<slash]) + "/…"
    }

    static func note(_ explanation: EventExplanation, timeline: Timeline) {
        let event = explanation.event
        let correlation = explanation.lineage.map { "correlation \($0.correlationId)" } ?? "no lineage recorded"
        timeline.note("explain --event \(event.id) (\(event.asset.name), \(correlation)):")
        for consumer in explanation.consumers { timeline.note("  " + ExplanationText.line(consumer)) }
    }

    static func proved(_ outcome: Outcome) -> [String] {
        let kinds = outcome.lineage.map(\.kind.rawValue).joined(separator: " → ")
        let dags = Set(outcome.lineage.filter { $0.kind == .run }.compactMap { $0.node.split(separator: "/").first })
        let billing = outcome.triggered.consumers.first { $0.dagId == "billing" }?.verdict
        let paused = outcome.notTriggered.consumers.first { $0.dagId == "billing" }?.verdict
        let audit = outcome.notTriggered.consumers.first { $0.dagId == "audit" }?.verdict
        return [
            "lineage of o-1001: \(outcome.lineage.count) steps (\(kinds)) across \(dags.count) DAGs, all with "
                + "correlation \(Set(outcome.lineage.map(\.correlationId)).sorted().joined(separator: ", "))",
            "trace: \(outcome.spans.count) spans of o-1001 in \(outcome.traceIds.count) trace, the shop's span at "
                + "the root; lineage steps not recorded: \(outcome.trackingFailures.count)",
            "the event that triggered: billing \(billing.map(String.init(describing:)) ?? "not listed")",
            "the event that did not: billing \(paused.map(String.init(describing:)) ?? "not listed"); audit "
                + "\(audit.map(String.init(describing:)) ?? "not listed")",
        ]
    }
}
