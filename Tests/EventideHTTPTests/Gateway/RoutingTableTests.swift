import Eventide
import EventideHTTP
import Testing

@Suite(.timeLimit(.minutes(1)))
struct RoutingTableTests {
    let big, small, anything: Asset
    let table: RoutingTable

    init() throws {
        big = try Asset(name: "big_orders")
        small = try Asset(name: "orders")
        anything = try Asset(name: "eu_events")
        table = RoutingTable([
            RoutingRule(
                "big", from: ["shop"], types: ["order.placed"],
                where: [try FilterPolicy(json: #"{"total": [{"numeric": [">=", 1000]}]}"#, scope: .messageBody)],
                to: big),
            RoutingRule("orders", from: ["shop", "pos"], types: ["order.placed"], to: small),
            RoutingRule(
                "eu", where: [try FilterPolicy(json: #"{"subject": [{"prefix": "eu-"}]}"#)], to: anything),
        ])
    }

    func event(_ type: String, total: Double = 10, subject: String? = nil) throws -> EventEnvelope {
        try EventEnvelope(type: type, source: "/test", subject: subject, data: ["total": .number(total)])
    }

    @Test func theFirstRuleWhoseSenderTypeAndFiltersMatchWins() throws {
        #expect(table.route(try event("order.placed", total: 5000), from: "shop") == .routed(rule: "big", to: big.key))
        #expect(
            table.route(try event("order.placed", total: 5), from: "shop") == .routed(rule: "orders", to: small.key))
        // "big" selects only the shop: a large order from the till goes to the next rule.
        #expect(
            table.route(try event("order.placed", total: 5000), from: "pos") == .routed(rule: "orders", to: small.key))
    }

    @Test func anAttributesPolicyLooksAtTheEnvelopeAndEmptySetsSelectEverything() throws {
        #expect(
            table.route(try event("customer.moved", subject: "eu-42"), from: "crm")
                == .routed(rule: "eu", to: anything.key)
        )
    }

    @Test func noRuleForTheTypeIsUnroutableWithNoRuleTried() throws {
        let decision = table.route(try event("customer.moved", subject: "us-1"), from: "crm")
        guard case .unroutable(let reason) = decision else {
            Issue.record("expected unroutable, got \(decision)")
            return
        }
        // The "eu" rule selects every sender and type, so its filter was tried.
        #expect(reason.kind == .filtersRefused && reason.rulesTried == ["eu"])
        let strict = RoutingTable(Array(table.rules.prefix(2)))
        #expect(
            strict.route(try event("customer.moved"), from: "crm")
                == .unroutable(.init(kind: .noRuleForType, sender: "crm", type: "customer.moved", rulesTried: [])))
    }

    @Test func rulesWhoseFiltersRefuseAreNamedInTheReason() throws {
        let strict = RoutingTable([table.rules[0]])
        #expect(
            strict.route(try event("order.placed", total: 3), from: "shop")
                == .unroutable(.init(kind: .filtersRefused, sender: "shop", type: "order.placed", rulesTried: ["big"])))
    }
}
