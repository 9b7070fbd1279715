import Eventide
import Testing

@Suite("Routing table and event router", .timeLimit(.minutes(1)))
struct DynamicRoutingTableTests {
    func event(_ type: String, _ data: JSONValue = [:]) throws -> EventEnvelope {
        try EventEnvelope(type: type, source: "/shop", data: data)
    }

    func region(_ value: String) throws -> EventFilter {
        .content(value, try FilterPolicy(json: #"{"region": ["\#(value)"]}"#, scope: .messageBody))
    }

    @Test("first match picks one route; all matches multicasts; no match goes to the unmatched target")
    func modes() async throws {
        let routes = [
            EventRoute("eu", when: try region("eu"), to: "handle_eu"),
            EventRoute("orders", when: .types(["order.*"]), to: "handle_orders"),
        ]
        let first = try DynamicRoutingTable(routes: routes, unmatched: "unrouted")
        let decision = await first.route(try event("order.placed", ["region": "eu"]))
        #expect(decision.routes == ["eu"] && decision.targets == ["handle_eu"] && !decision.unmatched)
        let all = try DynamicRoutingTable(routes: routes, unmatched: "unrouted", mode: .allMatches)
        #expect(await all.route(try event("order.placed", ["region": "eu"])).targets == ["handle_eu", "handle_orders"])
        let none = await all.route(try event("user.signed_up"))
        #expect(none.unmatched && none.targets == ["unrouted"] && none.routes.isEmpty && none.reason != nil)
    }

    @Test("replacing the routes at run time changes the next decisions and bumps the version")
    func replaceAtRunTime() async throws {
        let table = try DynamicRoutingTable(
            routes: [EventRoute("eu", when: try region("eu"), to: "handle_eu")], unmatched: "unrouted")
        let apac = try event("order.placed", ["region": "apac"])
        let before = await table.route(apac)
        #expect(before.unmatched && before.tableVersion == 1)
        let version = try await table.replace([
            EventRoute("eu", when: try region("eu"), to: "handle_eu_v2"),
            EventRoute("apac", when: try region("apac"), to: "handle_apac"),
        ])
        #expect(version == 2)
        let after = await table.route(apac)
        #expect(after.targets == ["handle_apac"] && after.tableVersion == 2)
        #expect(await table.route(try event("order.placed", ["region": "eu"])).targets == ["handle_eu_v2"])
        await #expect(throws: DynamicRoutingError.duplicateRoute("eu")) {
            try await table.replace([
                EventRoute("eu", when: try region("eu"), to: "a"), EventRoute("eu", when: try region("eu"), to: "b"),
            ])
        }
        #expect(await table.version == 2, "a refused table changes nothing")
    }

    @Test("the router sends what the chain rejects to the unmatched target, with the stage as the reason")
    func routerNeverDrops() async throws {
        let table = try DynamicRoutingTable(
            routes: [EventRoute("eu", when: try region("eu"), to: "handle_eu")], unmatched: "unrouted")
        let router = EventRouter(chain: FilterChain([.filter(.types(["order.*"]))]), table: table)
        let events = [
            try event("order.placed", ["region": "eu"]), try event("heartbeat"),
            try event("order.placed", ["region": "us"]),
        ]
        var decisions: [RouteDecision] = []
        for event in events { decisions.append(await router.decide(event).decision) }
        #expect(decisions.map(\.targets) == [["handle_eu"], ["unrouted"], ["unrouted"]])
        #expect(decisions[1].reason == "rejected by type in [order.*]" && decisions[1].tableVersion == 0)
        #expect(decisions[2].tableVersion == 1 && decisions[2].routes.isEmpty)
        #expect(decisions.allSatisfy { !$0.targets.isEmpty }, "every event has somewhere to go")
    }
}
