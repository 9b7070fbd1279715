import Eventide
import EventideCLI
import Foundation
import Synchronization

/// Drives `EventFilteringRouting.swift`: eight events under the first table, the table replaced while the router
/// runs, two more events; then the same events through the chain's stages in three orders, counted.
extension EventFilteringRouting {
    static let item = "95.5.4"
    static let title = "Event Filtering and Routing"
    static let topic = "events"

    struct Configuration: Sendable {
        var rates: [String: Double] = ["EUR": 1, "USD": 0.92, "GBP": 1.17, "SGD": 0.69]
    }

    /// One event and where it went.
    struct Routed: Codable, Sendable, Hashable {
        let label: String
        let eventId: String
        let type: String
        let decision: RouteDecision
        /// The DAGs that got a run for this event.
        let runs: [String]
    }

    /// The chain in one order, over every event: what passed, who rejected what, how often the rate was looked up.
    struct ChainOrder: Codable, Sendable, Hashable {
        let order: [String]
        let passed: [String]
        /// Stage → the labels of the events it rejected.
        let rejectedBy: [String: [String]]
        let toEuroCalls: Int
    }

    struct Outcome: Codable, Sendable {
        let routed: [Routed]
        /// The versions of the table that made decisions (rejections by the chain never reach it).
        let tableVersions: [Int]
        let routerStarts: Int
        let orders: [ChainOrder]
    }

    /// The events, in publishing order: label, type, payload. `apac` is published under both tables.
    static let firstEvents: [(String, String, JSONValue)] = [
        ("eu order", "order.placed", ["region": "eu", "amount": 40, "currency": "EUR"]),
        ("us order", "order.placed", ["region": "us", "amount": 25, "currency": "USD"]),
        ("big payment", "payment.settled", ["amount": 1500, "currency": "USD"]),
        ("payment", "payment.settled", ["amount": 30, "currency": "GBP"]),
        ("sign-up", "user.signed_up", ["user": "ada"]),
        ("apac order", "order.placed", ["region": "apac", "amount": 80, "currency": "SGD"]),
        ("test order", "order.placed", ["region": "eu", "amount": 0, "currency": "EUR"]),
        ("odd currency", "payment.settled", ["amount": 20, "currency": "XYZ"]),
    ]
    static let laterEvents: [(String, String, JSONValue)] = [
        ("apac order 2", "order.placed", ["region": "apac", "amount": 80, "currency": "SGD"]),
        ("eu order 2", "order.placed", ["region": "eu", "amount": 12, "currency": "EUR"]),
    ]

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: try dags(), assets: [])
        try await orchestrator.requireFreshStore()
        let log = EventLog(database: database)
        try await log.createTopic(topic, partitions: 1)
        let records = try await log.endOffset(topic: topic, partition: 0)
        guard records == 0 else { throw ExampleError.topicNotEmpty(topic: topic, records: records) }
        let scheduler = orchestrator.scheduler
        let stages = try Stages(rates: configuration.rates)
        let table = try DynamicRoutingTable(routes: try routes(apac: false), unmatched: "unrouted")
        let router = EventRouter(chain: stages.chain, table: table)
        timeline.note("chain: \(stages.chain); table v1: \(await table.routes.map(\.name).joined(separator: ", "))")

        let state = RouterState()
        @Sendable func publish(_ events: [(String, String, JSONValue)]) async throws {
            for (label, type, data) in events {
                let event = try EventEnvelope(type: type, source: "/shop", data: data)
                state.labels.withLock { $0[event.id] = label }
                try await log.append(event, to: topic)
            }
        }
        @Sendable func waitForDecisions(_ count: Int) async throws {
            while state.decisions.withLock({ $0.count }) < count { try await Task.sleep(for: .milliseconds(5)) }
        }
        let all = firstEvents + laterEvents
        try await orchestrator.withServices {
            let routing = Task {
                state.starts.withLock { $0 += 1 }
                try await route(
                    LogConsumer(log: log, group: "router", topic: topic), router: router, scheduler: scheduler
                ) { record, result, decision in
                    let label = state.labels.withLock { $0[record.event.id] } ?? record.event.id
                    state.decisions.withLock { $0.append((label, record.event.type, decision)) }
                    timeline.note(
                        "\(record.position) \(label) (\(record.event.type)) → \(decision.targets.joined(separator: ", "))"
                            + (decision.reason.map { " — \($0)" }
                                ?? " by \(decision.routes.joined(separator: ", ")) (v\(decision.tableVersion))")
                            + (result.event.data["amount_eur"]?.doubleValue.map { String(format: "; %.2f EUR", $0) }
                                ?? ""))
                }
            }
            try await publish(firstEvents)
            try await waitForDecisions(firstEvents.count)
            let version = try await table.replace(try routes(apac: true))
            timeline.note("table replaced while the router runs: v\(version) adds apac_orders → fulfil_apac")
            try await publish(laterEvents)
            try await waitForDecisions(all.count)
            routing.cancel()
            _ = await routing.result
            try await scheduler.waitUntilRunsFinished(targets)
        }

        var runsByEvent: [String: [String]] = [:]
        for dagId in targets {
            for run in try await scheduler.runs(of: dagId) {
                if let id = run.conf["event"]?.stringValue { runsByEvent[id, default: []].append(dagId) }
            }
        }
        let routed = state.decisions.withLock { $0 }.map {
            Routed(
                label: $0.label, eventId: $0.decision.eventId, type: $0.type, decision: $0.decision,
                runs: runsByEvent[$0.decision.eventId] ?? [])
        }
        let orders = try chainOrders(all, stages: stages, rates: configuration.rates)
        for order in orders {
            timeline.note(
                "chain \(order.order.joined(separator: " → ")): passed \(order.passed.count), to_eur called "
                    + "\(order.toEuroCalls)×, rejected "
                    + order.rejectedBy.sorted { $0.key < $1.key }.map { "\($0.value.count) by \($0.key)" }.joined(
                        separator: ", "))
        }
        let outcome = Outcome(
            routed: routed, tableVersions: Array(Set(routed.map(\.decision.tableVersion).filter { $0 > 0 })).sorted(),
            routerStarts: state.starts.withLock { $0 }, orders: orders)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// The same events through the router's stages in three orders, counting the rate lookups.
    static func chainOrders(
        _ events: [(String, String, JSONValue)], stages: Stages, rates: [String: Double]
    ) throws -> [ChainOrder] {
        let calls = Mutex(0)
        let counted = FilterChain.Stage.transform("to_eur") { event in
            calls.withLock { $0 += 1 }
            return try toEuro(event, rates: rates)
        }
        var orders: [ChainOrder] = []
        for stageOrder in [
            [stages.types, counted, stages.notTest], [counted, stages.types, stages.notTest],
            [stages.notTest, stages.types, counted],
        ] {
            calls.withLock { $0 = 0 }
            let chain = FilterChain(stageOrder)
            var passed: [String] = []
            var rejected: [String: [String]] = [:]
            for (label, type, data) in events {
                let result = chain.apply(try EventEnvelope(type: type, source: "/shop", data: data))
                if let stage = result.rejectedBy {
                    rejected[stage, default: []].append(label)
                } else {
                    passed.append(label)
                }
            }
            orders.append(
                ChainOrder(
                    order: stageOrder.map(\.name), passed: passed, rejectedBy: rejected,
                    toEuroCalls: calls.withLock { $0 }))
        }
        return orders
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let byType = outcome.routed.filter { $0.decision.reason?.hasPrefix("rejected by handled types") ?? false }
        let content = outcome.routed.filter {
            ["eu_orders", "us_orders", "large_payments"].contains($0.decision.routes.first ?? "")
        }
        let apac = outcome.routed.filter { $0.label.hasPrefix("apac order") }
        let unmatched = outcome.routed.filter(\.decision.unmatched)
        let everyRun = outcome.routed.allSatisfy { $0.runs.sorted() == $0.decision.targets.sorted() }
        let first = outcome.orders.first, second = outcome.orders.dropFirst().first, third = outcome.orders.last
        return [
            "event type filtering: \(byType.map(\.label).joined(separator: ", ")) rejected by the type filter, "
                + "before any rate lookup",
            "content-based routing: " + content.map { "\($0.label) → \($0.runs.joined())" }.joined(separator: ", "),
            "dynamic DAG selection: the table changed v"
                + outcome.tableVersions.map(String.init).joined(separator: " → v")
                + " with the router started \(outcome.routerStarts)×; the apac order went to "
                + apac.map { "\($0.runs.joined()) (v\($0.decision.tableVersion))" }.joined(separator: ", then "),
            "filter chaining: \(first?.toEuroCalls ?? 0) rate lookups with types first, \(second?.toEuroCalls ?? 0) with "
                + "to_eur first (same \(first?.passed.count ?? 0) passed: \(first?.passed == second?.passed)); the "
                + "amount rule before to_eur passed \(third?.passed.count ?? 0)",
            "nothing dropped silently: \(outcome.routed.count) events, \(outcome.routed.count - unmatched.count) routed, "
                + "\(unmatched.count) to unrouted with a reason; each event got a run of every target decided: \(everyRun)",
        ]
    }
}

/// What the router task reports to the scenario: each decision, the label of each event, how often it started.
final class RouterState: Sendable {
    let decisions = Mutex<[(label: String, type: String, decision: RouteDecision)]>([])
    let labels = Mutex<[String: String]>([:])
    let starts = Mutex(0)
}
