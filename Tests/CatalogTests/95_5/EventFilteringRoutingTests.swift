import Eventide
import EventideCLI
import EventideTesting
import Testing

@testable import Ex95_05_04_event_filtering_routing

@Suite("95.5.4 Event Filtering and Routing", .timeLimit(.minutes(4)))
struct EventFilteringRoutingTests {
    typealias Example = EventFilteringRouting

    func run(_ configuration: Example.Configuration = .init()) async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("95_05_04")
        return try await Example.run(configuration, database: database).outcome
    }

    func routed(_ label: String, in outcome: Example.Outcome) throws -> Example.Routed {
        try #require(outcome.routed.first { $0.label == label })
    }

    @Test("95.5.4/1 event type filtering: types the router does not handle never reach the table")
    func typeFiltering() async throws {
        let outcome = try await run()
        let signUp = try routed("sign-up", in: outcome)
        #expect(signUp.decision.tableVersion == 0 && signUp.decision.reason == "rejected by handled types")
        #expect(signUp.runs == ["unrouted"])
        let handled = outcome.routed.filter { $0.type != "user.signed_up" }
        #expect(handled.allSatisfy { $0.decision.reason != "rejected by handled types" })
    }

    @Test("95.5.4/2 content-based routing: region and amount in the payload choose the route")
    func contentRouting() async throws {
        let outcome = try await run()
        #expect(try routed("eu order", in: outcome).runs == ["fulfil_eu"])
        #expect(try routed("us order", in: outcome).runs == ["fulfil_us"])
        #expect(try routed("big payment", in: outcome).decision.routes == ["large_payments"])
        #expect(try routed("payment", in: outcome).runs == ["book_payment"])
        // The amount is read in euros, after the chain's to_eur: at 0.5 EUR/USD the 1500 USD payment is 750 EUR.
        let cheap = try await run(.init(rates: ["EUR": 1, "USD": 0.5, "GBP": 1.17, "SGD": 0.69]))
        #expect(try routed("big payment", in: cheap).runs == ["book_payment"])
    }

    @Test("95.5.4/3 dynamic DAG selection: the table is replaced while the router runs, without a restart")
    func dynamicSelection() async throws {
        let outcome = try await run()
        #expect(outcome.tableVersions == [1, 2] && outcome.routerStarts == 1)
        let first = try routed("apac order", in: outcome), second = try routed("apac order 2", in: outcome)
        #expect(first.decision.tableVersion == 1 && first.runs == ["unrouted"] && first.decision.unmatched)
        #expect(second.decision.tableVersion == 2 && second.runs == ["fulfil_apac"])
        #expect(try routed("eu order 2", in: outcome).decision.tableVersion == 2)
    }

    @Test("95.5.4/4 filter chaining: the order of the stages changes the cost and the result")
    func filterChaining() async throws {
        let outcome = try await run()
        try #require(outcome.orders.count == 3)
        let (typesFirst, euroFirst, amountFirst) = (outcome.orders[0], outcome.orders[1], outcome.orders[2])
        #expect(typesFirst.passed == euroFirst.passed && typesFirst.passed.count == 7)
        #expect(typesFirst.toEuroCalls < euroFirst.toEuroCalls, "filtering types first saves rate lookups")
        #expect(typesFirst.rejectedBy["handled types"] == ["sign-up"])
        #expect(
            euroFirst.rejectedBy["to_eur"] == ["sign-up", "odd currency"],
            "the sign-up is rejected for the wrong reason")
        #expect(
            amountFirst.passed.isEmpty && amountFirst.toEuroCalls == 0, "the amount rule before to_eur sees no amount")
    }

    @Test("95.5.4/expected every event is routed, to a DAG or to unrouted with a reason; nothing is dropped")
    func expectedBehavior() async throws {
        let outcome = try await run()
        #expect(outcome.routed.count == Example.firstEvents.count + Example.laterEvents.count)
        #expect(outcome.routed.allSatisfy { $0.runs.sorted() == $0.decision.targets.sorted() && !$0.runs.isEmpty })
        let unrouted = outcome.routed.filter(\.decision.unmatched)
        #expect(unrouted.map(\.label) == ["sign-up", "apac order", "test order", "odd currency"])
        #expect(unrouted.allSatisfy { $0.decision.reason != nil && $0.runs == ["unrouted"] })
        try await expectRefusesUsedStore { try await Example.run(.init(), database: $0) }
        let cli = try ExampleProcess.checkCommandLine(
            "95_05_04_event_filtering_routing", item: "95.5.4", badArguments: ["--usd-rate", "-1"],
            expectInError: "--usd-rate")
        #expect((cli["routed"] as? [Any])?.count == 10)
    }
}
