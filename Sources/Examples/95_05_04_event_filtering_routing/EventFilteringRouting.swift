import Eventide

/// 95.5.4 — filtering and routing: a filter chain (event types, an enrichment, a content rule) decides what is
/// worth routing; a routing table with content-based rules picks the DAG for each event and is replaced while
/// events flow; whatever is rejected or matches no route goes to `unrouted` with the reason, never nowhere.
// Longer than one screen: the filter chain, the routing table with its DAGs, and the router loop are three parts
// of one mechanism, each read with the others.
enum EventFilteringRouting {
    // [START chain]
    /// The stages of the router's filter chain, in the router's order: types first (cheap), then the amount in
    /// euros (a rate lookup), then a content rule that needs that amount (drops zero-amount test traffic).
    struct Stages: Sendable {
        let types = FilterChain.Stage.filter(.types(["order.*", "payment.settled"], name: "handled types"))
        let toEuro: FilterChain.Stage
        let notTest: FilterChain.Stage

        init(rates: [String: Double]) throws {
            toEuro = .transform("to_eur") { event in try EventFilteringRouting.toEuro(event, rates: rates) }
            notTest = .filter(.content("amount_eur > 0", try amountInEuro(">", 0)))
        }

        var chain: FilterChain { FilterChain([types, toEuro, notTest]) }
    }

    /// Adds `amount_eur`; an unknown currency rejects the event (the reason says which).
    static func toEuro(_ event: EventEnvelope, rates: [String: Double]) throws(RoutingDataError) -> EventEnvelope {
        let currency = event.data["currency"]?.stringValue ?? ""
        guard let amount = event.data["amount"]?.doubleValue, let rate = rates[currency] else {
            throw .noRate(currency: currency)
        }
        var event = event
        event.data = .object((event.data.objectValue ?? [:]).merging(["amount_eur": .number(amount * rate)]) { $1 })
        return event
    }

    static func amountInEuro(_ op: String, _ bound: Double) throws -> FilterPolicy {
        try FilterPolicy(["amount_eur": [["numeric": [.string(op), .number(bound)]]]], scope: .messageBody)
    }
    // [END chain]

    // [START routes]
    /// The routing table's rows, first match wins. Content-based: region and amount come from the payload.
    static func routes(apac: Bool) throws -> [EventRoute] {
        func region(_ name: String) throws -> EventFilter {
            .all(
                "order in \(name)",
                [
                    .types(["order.*"]),
                    .content(name, try FilterPolicy(["region": [.string(name)]], scope: .messageBody)),
                ])
        }
        let payments = EventFilter.types(["payment.settled"])
        return [
            EventRoute(
                "large_payments",
                when: .all("payment ≥ 1000 EUR", [payments, .content("≥ 1000", try amountInEuro(">=", 1000))]),
                to: "review_payment"),
            EventRoute("payments", when: payments, to: "book_payment"),
            EventRoute("eu_orders", when: try region("eu"), to: "fulfil_eu"),
            EventRoute("us_orders", when: try region("us"), to: "fulfil_us"),
        ] + (apac ? [EventRoute("apac_orders", when: try region("apac"), to: "fulfil_apac")] : [])
    }

    /// Every DAG a route can select, and `unrouted`, where the rest goes. Each run handles one event.
    static let targets = ["review_payment", "book_payment", "fulfil_eu", "fulfil_us", "fulfil_apac", "unrouted"]

    static func dags() throws -> [DAG] {
        try targets.map { dagId in
            try DAG(
                dagId,
                tasks: [TaskDefinition("handle") { context in TaskOutput(value: context.conf["event"] ?? .null) }])
        }
    }
    // [END routes]

    // [START router]
    /// Reads the event log as the group `router` and triggers a run of each target the router decides; the
    /// offset is committed after the runs exist. The table is read at every decision, so replacing it takes
    /// effect at the next event, with no restart.
    static func route(
        _ consumer: LogConsumer, router: EventRouter, scheduler: Scheduler,
        decided: @Sendable (LogRecord, ChainResult, RouteDecision) -> Void
    ) async throws {
        while !Task.isCancelled {
            for record in try await consumer.next() {
                let (result, decision) = await router.decide(record.event)
                for target in decision.targets {
                    try await scheduler.triggerRun(
                        target,
                        conf: [
                            "event": .string(record.event.id), "reason": decision.reason.map(JSONValue.string) ?? .null,
                        ])
                }
                try await consumer.commit(record)
                decided(record, result, decision)
            }
        }
    }
    // [END router]
}

/// Why an event cannot be enriched.
enum RoutingDataError: Error, Equatable, CustomStringConvertible {
    case noRate(currency: String)

    var description: String {
        switch self {
        case .noRate(let currency): "no exchange rate for currency '\(currency)' (or no numeric amount)"
        }
    }
}
