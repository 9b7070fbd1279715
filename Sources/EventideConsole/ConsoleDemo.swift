import Eventide
import Foundation

/// A small store to try the console on, and its tests' fixture (`eventide-console --demo-seed`): written by a real
/// runtime, then left for the console to read without the definitions, as an example's store is.
///
/// - `load_orders` and `load_customers` (manual) write `orders` and `customers`; `build_report` waits on
///   `orders & customers` and writes `daily_report`. Both loads run, so `build_report` runs once; then `load_orders`
///   runs again, so `build_report` has an `orders` event queued and still awaits `customers`.
/// - `payments_watcher` reads the embedded queue `payments`: two payments become asset events of `payments`, which
///   `audit_payments` checks (a negative amount fails its run); two messages it cannot read (not JSON, no amount)
///   are dead-lettered with the reason.
/// - An event's extra holds markup (`<b>…</b> & …`), which every page must show as text.
public enum ConsoleDemo {
    public static let orders = try! Asset(uri: "s3://lake/orders")
    public static let customers = try! Asset(uri: "s3://lake/customers")
    public static let report = try! Asset(name: "daily_report", uri: "s3://lake/reports/daily")
    public static let payments = try! Asset(name: "payments", uri: "eventide://queue/payments")
    /// The text the `orders` events carry in `extra["note"]`.
    public static let markup = "<b>bold</b> & <script>alert(1)</script>"
    public static let paymentsQueue = "payments"
    public static let watcherName = "payments_watcher"

    /// What the demo wrote, for tests.
    public struct Written: Sendable, Hashable {
        public let dagIds: [String]
        public let runs: Int
        public let deadLetters: Int
    }

    /// Why a payment message is refused.
    public enum PaymentError: Error, Sendable, Equatable, CustomStringConvertible {
        case notAnObject
        case missingAmount(id: String)
        case negativeAmount(id: String, amount: Double)

        public var description: String {
            switch self {
            case .notAnObject: "the message body is not a JSON object with an id; send {\"id\": …, \"amount\": …}"
            case .missingAmount(let id): "payment \(id) has no amount; add a numeric amount"
            case .negativeAmount(let id, let amount):
                "payment \(id) has a negative amount (\(amount)); refund it instead"
            }
        }
    }

    /// Writes the demo into an empty store, running the runtime until every run has finished.
    @discardableResult
    public static func seed(into database: EventideDatabase) async throws -> Written {
        let queues = EmbeddedQueue(database: database)
        try await queues.createQueue(paymentsQueue, QueueSettings(visibilityTimeout: .seconds(30)))
        let orchestrator = Orchestrator(database: database)
        let trigger = EmbeddedQueueTrigger(queues: queues, queue: paymentsQueue, wait: .seconds(1))
        let watched = payments.watched(by: [
            AssetWatcher(name: watcherName, trigger: trigger, extract: { try payment($0) }, restart: .none)
        ])
        let dags = try definitions()
        try await orchestrator.register(dags: dags, assets: [watched])
        try await orchestrator.withServices {
            let scheduler = orchestrator.scheduler
            try await scheduler.triggerRun("load_orders", note: "first load")
            try await scheduler.triggerRun("load_customers")
            _ = try await scheduler.waitForFinishedRuns(of: "build_report", count: 1)
            try await scheduler.triggerRun("load_orders", note: "second load: the report waits for customers")
            _ = try await scheduler.waitForFinishedRuns(of: "load_orders", count: 2)
            for body in [
                #"{"id": "p-1", "amount": 30}"#, #"{"id": "p-2", "amount": -5}"#, "not json <i>at all</i>",
                #"{"id": "p-3"}"#,
            ] {
                try await queues.send(paymentsQueue, body: body)
            }
            _ = try await orchestrator.triggerer.waitFor(watcher: watcherName) {
                $0.eventsSeen == 4 && $0.deadLettered == 2
            }
            _ = try await scheduler.waitForFinishedRuns(of: "audit_payments", count: 2)
        }
        var runs = 0
        for dag in dags { runs += try await orchestrator.scheduler.runs(of: dag.dagId).count }
        return Written(
            dagIds: dags.map(\.dagId).sorted(), runs: runs,
            deadLetters: try await orchestrator.triggerer.deadLetters.list().count)
    }

    static func definitions() throws -> [DAG] {
        [
            try DAG(
                "load_orders",
                tasks: [
                    TaskDefinition("extract") { _ in .none },
                    TaskDefinition("load", upstream: ["extract"], outlets: [orders]) { _ in
                        TaskOutput(outletExtra: [orders.key: ["rows": 120, "note": .string(markup)]])
                    },
                ]),
            try DAG(
                "load_customers", tasks: [TaskDefinition("load", outlets: [customers]) { _ in .none }]),
            try DAG(
                "build_report", schedule: .on(orders & customers),
                tasks: [
                    TaskDefinition("join") { context in
                        TaskOutput(value: .number(Double(context.triggeringAssetEvents.count)))
                    },
                    TaskDefinition("publish", upstream: ["join"], outlets: [report]) { _ in .none },
                ]),
            try DAG(
                "audit_payments", schedule: .on([payments]), assetTriggering: .perEvent,
                tasks: [
                    TaskDefinition("check") { context in
                        for event in context.triggeringAssetEvents {
                            let id = event.extra["id"]?.stringValue ?? "?"
                            let amount = event.extra["amount"]?.doubleValue ?? 0
                            if amount < 0 { throw PaymentError.negativeAmount(id: id, amount: amount) }
                        }
                        return .none
                    }
                ]),
        ]
    }

    /// The watcher's extract: a payment object with an id and an amount, or a refusal.
    static func payment(_ event: TriggerEvent) throws -> [String: JSONValue] {
        guard let body = event.payload["body"]?.objectValue, let id = body["id"]?.stringValue else {
            throw PaymentError.notAnObject
        }
        guard let amount = body["amount"]?.doubleValue else { throw PaymentError.missingAmount(id: id) }
        return ["id": .string(id), "amount": .number(amount)]
    }
}
