import Eventide
import EventideCLI
import Foundation
import Synchronization

/// Drives `TriggerEventBasics.swift`: publishes orders to the log topic one at a time (the last one's data is not
/// an order), notes each trigger event as the watcher's trigger emits it, then reads the asset event it became from
/// the store and the run it started, so each trigger event stands beside its asset event and its task's view.
extension TriggerEventBasics {
    static let item = "117.4.1"
    static let title = "TriggerEvent Structure"

    struct Configuration: Sendable {
        /// Well-formed orders published before the malformed one.
        var orders = 2
        var clock: EventideClock = .system
    }

    /// A trigger event as the trigger emitted it.
    struct TriggerEventView: Codable, Sendable, Hashable {
        let messageId: String?
        let payload: JSONValue
        let occurredAt: Date?
        let observedAt: Date?
        let deliveryCount: Int?
    }

    /// The asset event it became, as the store keeps it.
    struct AssetEventView: Codable, Sendable, Hashable {
        let id: Int64
        let assetURI: String
        let extra: [String: JSONValue]
        let watcher: String?
        let messageId: String?
        let recordedAt: Date
    }

    /// What the run's task made of it: its view of the event and the order, or the reason it failed.
    struct TaskView: Codable, Sendable, Hashable {
        let state: TaskState
        let inspection: Inspection?
        let failure: String?
    }

    struct Pair: Codable, Sendable, Hashable {
        let triggerEvent: TriggerEventView
        let assetEvent: AssetEventView?
        let task: TaskView?
    }

    struct Outcome: Codable, Sendable {
        let sourceURI: String
        let pairs: [Pair]
    }

    /// Refuses a store an earlier run used (`ExampleError.storeNotEmpty`): the pairs start from an empty topic.
    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let orchestrator = Orchestrator(database: database, clock: configuration.clock)
        let registry = TriggerRegistry.embedded(log: orchestrator.log)
        let emitted = Mutex<[TriggerEventView]>([])
        // The watcher's own trigger, observed: each event is noted as the triggerer takes it, before it is recorded.
        let observed = MappedTrigger(try registry.trigger(for: sourceURI)) { event in
            let view = TriggerEventView(
                messageId: event.messageId, payload: event.payload, occurredAt: event.occurredAt,
                observedAt: event.observedAt, deliveryCount: event.deliveryCount)
            emitted.withLock { $0.append(view) }
            // Stamped on the runtime's clock, as the asset event it becomes is: the two lines keep their order.
            timeline.note(
                "trigger event \(event.messageId ?? "-"): payload.event.data "
                    + "\(event.payload["event"]?["data"]?.jsonText ?? "-"), occurred "
                    + (event.occurredAt.map(EventTime.format) ?? "-") + ", delivery count "
                    + (event.deliveryCount.map(String.init) ?? "not counted by this source"),
                at: configuration.clock.date)
            return event
        }
        let orders = try ordersAsset(trigger: observed)
        try await orchestrator.register(dags: [try inspectOrder(orders)], assets: [orders])
        try await orchestrator.requireFreshStore()
        try await orchestrator.log.createTopic("orders")
        timeline.note("orders is watched through \(sourceURI)")

        let bodies: [JSONValue] =
            (1...configuration.orders).map { n in ["order_id": .string("A-\(n)"), "amount": .number(Double(n) * 21.25)]
            }
            + ["not an order"]
        let pairs = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "orders_watcher", state: .running)
            var pairs: [Pair] = []
            // One at a time: each trigger event, its asset event and its run are noted before the next is sent.
            for (index, body) in bodies.enumerated() {
                let envelope = try EventEnvelope(
                    id: "order-\(index + 1)", type: "order.placed", source: "shop", time: configuration.clock.date,
                    data: body)
                try await orchestrator.log.append(envelope, to: "orders", key: envelope.id)
                let runs = try await orchestrator.scheduler.waitForFinishedRuns(of: dagId, count: index + 1)
                guard let run = runs.max(by: { $0.queuedAt < $1.queuedAt }) else { throw ScenarioError.noRun }
                pairs.append(try await pair(for: run, emitted: emitted.withLock { $0.last }, orchestrator, timeline))
            }
            return pairs
        }
        let outcome = Outcome(sourceURI: sourceURI, pairs: pairs)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// The asset event (from the store) and the task's view (from the run) of the latest trigger event.
    static func pair(
        for run: DagRun, emitted: TriggerEventView?, _ orchestrator: Orchestrator, _ timeline: Timeline
    ) async throws -> Pair {
        guard let emitted else { throw ScenarioError.noTriggerEvent }
        let stored = try await orchestrator.scheduler.allAssetEvents().first { event in
            if case .watcher(_, let id) = event.source { return id == emitted.messageId }
            return false
        }
        let assetEvent = stored.map { event in
            var watcher: String?, messageId: String?
            if case .watcher(let name, let id) = event.source { (watcher, messageId) = (name, id) }
            return AssetEventView(
                id: event.id, assetURI: event.asset.uri, extra: event.extra, watcher: watcher, messageId: messageId,
                recordedAt: event.timestamp)
        }
        if let event = assetEvent {
            timeline.note(
                "asset event #\(event.id) of \(event.assetURI), from the store: extra keys "
                    + event.extra.keys.sorted().joined(separator: ", ") + "; payload is the trigger event's: "
                    + "\(event.extra[AssetEvent.payloadKey] == emitted.payload); source watcher \(event.watcher ?? "-") "
                    + "message \(event.messageId ?? "-")",
                at: event.recordedAt)
        }
        let instance = run.task("inspect")
        let inspection = try instance?.returnValue.map { value in
            try JSONDecoder().decode(Inspection.self, from: Data(value.jsonText.utf8))
        }
        let task = instance.map { TaskView(state: $0.state, inspection: inspection, failure: $0.note) }
        if let task {
            let seen =
                inspection.map { inspection in
                    "read event #\(inspection.metadata.eventId) of \(inspection.metadata.assetURI), message "
                        + "\(inspection.metadata.messageId ?? "-"); order \(inspection.order.orderId) amount "
                        + "\(inspection.order.amount)"
                } ?? "payload refused: \(task.failure ?? "-")"
            timeline.note(
                "\(dagId) \(run.runType.rawValue) run: inspect \(task.state.rawValue): \(seen)",
                at: run.endedAt ?? run.queuedAt)
        }
        return Pair(triggerEvent: emitted, assetEvent: assetEvent, task: task)
    }

    static func proved(_ outcome: Outcome) -> [String] {
        let recorded = outcome.pairs.compactMap(\.assetEvent)
        let payloadsKept = outcome.pairs.filter {
            $0.assetEvent?.extra[AssetEvent.payloadKey] == $0.triggerEvent.payload
        }
        let idsKept = outcome.pairs.filter { $0.assetEvent?.messageId == $0.triggerEvent.messageId }
        let marked = recorded.filter { $0.extra[AssetEvent.fromTriggerKey] == .bool(true) }
        let inspected = outcome.pairs.compactMap { $0.task?.inspection }
        let failed = outcome.pairs.filter { $0.task?.state == .failed }
        let lags = outcome.pairs.compactMap { pair -> Double? in
            guard let occurred = pair.triggerEvent.occurredAt, let recorded = pair.assetEvent?.recordedAt else {
                return nil
            }
            return recorded.timeIntervalSince(occurred) * 1000
        }
        return [
            "trigger events: \(outcome.pairs.count); asset events recorded from them: \(recorded.count), marked "
                + "from_trigger: \(marked.count), payload kept unchanged: \(payloadsKept.count), message id kept as "
                + "the source: \(idsKept.count)",
            "tasks that read their event's id, asset URI, timestamp and message id: \(inspected.count); their "
                + "source URI is \(Set(inspected.compactMap(\.metadata.sourceURI)).sorted().joined(separator: ", "))",
            "occurred at the source → recorded: "
                + lags.map { String(format: "%.1f ms", $0) }.joined(separator: ", "),
            "payloads read as orders: \(inspected.count); refused (not an order): \(failed.count)",
        ]
    }

    enum ScenarioError: Error, CustomStringConvertible {
        case noTriggerEvent, noRun

        var description: String {
            switch self {
            case .noTriggerEvent: "a run finished but the watcher's trigger emitted no event"
            case .noRun: "the DAG has no finished run"
            }
        }
    }
}
