import Eventide
import EventideCLI
import Foundation

/// Drives `EventDataExtraction.swift`: sends four orders to the queue one at a time — complete, without a customer
/// tier, without an order id, and a body that is not JSON — and notes for each the asset event the store recorded
/// and what `parse` and `load` made of it (their return values or the failure the task instance keeps).
extension EventDataExtraction {
    static let item = "117.4.2"
    static let title = "Event Data Extraction"

    struct Configuration: Sendable {
        var clock: EventideClock = .system
    }

    /// What one task of a run did, as the store keeps it.
    struct TaskView: Codable, Sendable, Hashable {
        let state: TaskState
        let value: JSONValue?
        let failure: String?
    }

    struct Message: Codable, Sendable, Hashable {
        /// The body as sent.
        let body: String
        /// The asset event the watcher recorded from it.
        let assetEvent: AssetEvent?
        let parse: TaskView?
        let load: TaskView?
    }

    struct Outcome: Codable, Sendable {
        let messages: [Message]
    }

    static let bodies = [
        #"{"order_id":"A-1","amount":42.5,"customer":{"id":"c1","tier":"gold"}}"#,
        #"{"order_id":"A-2","amount":10,"customer":{"id":"c2"}}"#,
        #"{"amount":5,"customer":{"id":"c3"}}"#,
        "order A-4, amount 7",
    ]

    /// Refuses a store an earlier run used (`ExampleError.storeNotEmpty`): each message is matched to the run it
    /// started by order, from an empty store and queue.
    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let orchestrator = Orchestrator(database: database, clock: configuration.clock)
        let queues = EmbeddedQueue(database: database, clock: configuration.clock)
        let orders = try ordersAsset(registry: .embedded(log: orchestrator.log, queues: queues))
        try await orchestrator.register(dags: [try loadOrder(orders)], assets: [orders])
        try await orchestrator.requireFreshStore()
        try await queues.createQueue("orders")
        timeline.note("orders is watched through \(sourceURI); load's arguments are templates")

        let messages = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "orders_watcher", state: .running)
            var messages: [Message] = []
            // One at a time: each message's asset event and run are noted before the next is sent.
            for (index, body) in bodies.enumerated() {
                timeline.note("sent \(body)", at: configuration.clock.date)
                _ = try await queues.send("orders", body: body)
                let runs = try await orchestrator.scheduler.waitForFinishedRuns(of: dagId, count: index + 1)
                guard let run = runs.max(by: { $0.queuedAt < $1.queuedAt }) else { throw ScenarioError.noRun }
                messages.append(note(body: body, run: run, timeline))
            }
            return messages
        }
        let outcome = Outcome(messages: messages)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// The message's asset event and what each task made of it, noted when each happened.
    static func note(body: String, run: DagRun, _ timeline: Timeline) -> Message {
        let event = run.triggeringAssetEvents.first
        if let event {
            let kind = event.extra[AssetEvent.payloadKey]?["body"]?.kind ?? .null
            timeline.note("asset event #\(event.id): extra.payload.body is \(kind)", at: event.timestamp)
        }
        let views = ["parse", "load"].map { taskId in
            run.task(taskId).map { TaskView(state: $0.state, value: $0.returnValue, failure: $0.note) }
        }
        for (taskId, view) in zip(["parse", "load"], views) {
            guard let view else { continue }
            let detail = view.state == .success ? (view.value?.jsonText ?? "-") : (view.failure ?? "-")
            timeline.note(
                "\(taskId) \(view.state.rawValue): \(detail)",
                at: run.task(taskId)?.endedAt ?? run.endedAt ?? run.queuedAt)
        }
        return Message(body: body, assetEvent: event, parse: views[0], load: views[1])
    }

    static func proved(_ outcome: Outcome) -> [String] {
        let messages = outcome.messages
        let parsed = messages.filter { $0.parse?.state == .success }.count
        let loaded = messages.filter { $0.load?.state == .success }
        let defaulted = loaded.filter { $0.load?.value?["tier"] == "standard" }.count
        let refused = messages.filter { $0.load?.state == .failed && $0.parse?.state == .failed }.count
        return [
            "messages: \(messages.count); extra parsed whole into Codable types: \(parsed)",
            "loads given templated arguments: \(loaded.count) (the tier from its default: \(defaulted))",
            "missing or malformed data refused by both parse and load, each failure naming the path: \(refused)",
        ]
    }

    enum ScenarioError: Error, CustomStringConvertible {
        case noRun
        var description: String { "the DAG has no finished run" }
    }
}
