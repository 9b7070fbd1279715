import Eventide
import EventideHTTP
import EventideTesting
import Testing

@testable import Ex95_02_05_custom_event_gateway

@Suite("95.2.5 Custom Event Gateway", .timeLimit(.minutes(5)))
struct CustomEventGatewayTests {
    typealias Gateway = CustomEventGateway

    /// Runs the item on a store the test keeps, to read it afterwards.
    func run(seed: UInt64 = 11) async throws -> (Gateway.Outcome, EventideDatabase) {
        let database = try TemporaryDatabase.make("95_02_05")
        let report = try await Gateway.run(.init(seed: seed), database: database)
        return (report.outcome, database)
    }

    func exchanges(_ outcome: Gateway.Outcome, _ intent: Gateway.Intent) -> [Gateway.Exchange] {
        outcome.exchanges.filter { $0.intent == intent }
    }

    @Test("95.2.5/1 the router service answers each sender over HTTP with where its events went")
    func routerService() async throws {
        let (outcome, _) = try await run()
        let statuses = Dictionary(grouping: outcome.exchanges, by: \.intent).mapValues { Set($0.map(\.status)) }
        #expect(statuses[.new] == [202] && statuses[.retry] == [202] && statuses[.unroutable] == [202])
        #expect(statuses[.invalid] == [422] && statuses[.missingKey] == [400] && statuses[.unknownSender] == [404])
        // Routed by sender, type and content: orders from the shop and the till, the refund, the warm reading.
        let rules = outcome.exchanges.filter { $0.intent == .new }.flatMap(\.events).compactMap(\.routed?.rule)
        #expect(rules.filter { $0 == "orders" }.count == 3)
        #expect(rules.filter { $0 == "refunds" }.count == 1 && rules.filter { $0 == "too_warm" }.count == 1)
        // The event no rule takes is dead-lettered with the reason, not dropped.
        let lost = try #require(exchanges(outcome, .unroutable).first?.events.first)
        #expect(lost.fate == .deadLettered)
        #expect(
            lost.deadLettered?.reason
                == .init(kind: .noRuleForType, sender: "shop", type: "customer.moved", rulesTried: []))
        let shop = try #require(outcome.senders.first { $0.sender == "shop" })
        #expect(shop.deadLettered == 1 && shop.storedDeadLetters == 1)
        #expect(outcome.senders.map(\.refused) == [1, 2, 1])
    }

    @Test("95.2.5/2 each routed event runs every DAG scheduled on its destination, once")
    func dagDispatch() async throws {
        let (outcome, database) = try await run()
        let byDag = Dictionary(uniqueKeysWithValues: outcome.dags.map { ($0.dagId, $0) })
        let fulfil = try #require(byDag["fulfil_order"]), audit = try #require(byDag["audit_orders"])
        #expect(fulfil.routedEvents.count == 3 && fulfil.routedEvents == audit.routedEvents, "one event, two DAGs")
        #expect(byDag["cool_down"]?.runs == 1 && byDag["process_refund"]?.runs == 1)
        #expect(byDag["rollup_readings"]?.runs == 5)
        for dag in outcome.dags {
            #expect(dag.consumedEvents == dag.routedEvents && dag.runs == dag.routedEvents.count)
            #expect(dag.succeeded == dag.runs)
        }
        // The runs each answer named are the ones in the store that consumed its event.
        let scheduler = Scheduler(database: database)
        for routed in outcome.exchanges.flatMap(\.events).filter({ !$0.replayed }).compactMap(\.routed) {
            try #require(!routed.runs.isEmpty)
            for ref in routed.runs {
                let run = try #require(try await scheduler.run(ref))
                #expect(run.triggeringAssetEvents.map(\.id) == [routed.assetEventId])
            }
        }
    }

    @Test("95.2.5/3 three formats become one canonical event; a transformation error records nothing")
    func eventTransformation() async throws {
        let (outcome, database) = try await run()
        let events = try await Scheduler(database: database).allAssetEvents()
        let orders = events.filter { $0.asset.name == "orders" }
        try #require(orders.count == 3)
        for event in orders {
            #expect(event.extra["type"] == "order.placed" && event.extra["specversion"] == "1.0")
            #expect(event.extra["data"]?["total"]?.doubleValue ?? 0 > 0 && event.extra["subject"]?.stringValue != nil)
        }
        // The till's "129.42"-style string amount became a number, its SALE an order.placed.
        let till = try #require(orders.first { $0.extra["gateway"]?["sender"] == "till" })
        let amount = try #require(Double(Gateway.Workload(seed: 11).saleAmount))
        #expect(till.extra["data"]?["total"] == .number(amount) && till.extra["source"] == "/till")
        #expect(events.filter { $0.extra["type"] == "sensor.reading" }.count == 6)
        // Refused where the sender's format could not be read: the field is named, nothing is stored.
        #expect(
            exchanges(outcome, .invalid).compactMap(\.refusedAt) == [
                ["body", "type"], ["body", "AMT"], ["body", "0", "celsius"],
            ])
        #expect(!events.contains { $0.extra["subject"] == "o-2002" || $0.extra["subject"] == "fridge-3" })
        #expect(outcome.storeMatchesAnswers)
    }

    @Test("95.2.5/4 a retried event gets the first answer back and records nothing, across a restart too")
    func idempotency() async throws {
        let (outcome, _) = try await run()
        var first: [String: GatewayDisposition] = [:]
        for event in outcome.exchanges.flatMap(\.events) where !event.replayed { first[event.key] = event }
        let retries = outcome.exchanges.filter { $0.intent == .retry || $0.intent == .retryAfterRestart }
        try #require(retries.count == 5)
        let replayed = retries.flatMap(\.events).filter(\.replayed)
        #expect(replayed.count == 8, "the shop order and dead letter, the till sale, 4 readings, after the restart")
        for event in replayed {
            let original = try #require(first[event.key])
            #expect(event.routed == original.routed && event.deadLettered == original.deadLettered)
        }
        // The retried batch added only its two new readings; the restart kept the key.
        let batch = try #require(retries.first { $0.sender == "sensors" })
        #expect(batch.events.map(\.replayed) == [true, true, true, true, false, false])
        let restart = try #require(exchanges(outcome, .retryAfterRestart).first?.events.first)
        #expect(restart.replayed && restart.key == "till-5001")
        #expect(outcome.senders.map(\.deduplicated) == [2, 2, 4])
        #expect(outcome.senders.allSatisfy { $0.storedEvents == $0.accepted })
    }

    @Test("95.2.5/expected the event gateway works, for other seeds, in-process and from the command line")
    func expectedBehavior() async throws {
        for seed in [1, 42] as [UInt64] {
            let (outcome, _) = try await run(seed: seed)
            #expect(outcome.storeMatchesAnswers)
            #expect(outcome.dags.allSatisfy { $0.consumedEvents == $0.routedEvents && $0.succeeded == $0.runs })
            #expect(outcome.dags.first { $0.dagId == "cool_down" }?.runs == 1, "one reading of the batch is too warm")
        }
        try await expectRefusesUsedStore { try await Gateway.run(.init(), database: $0) }
        let cli = try ExampleProcess.checkCommandLine(
            "95_02_05_custom_event_gateway", item: "95.2.5", badArguments: ["--seed", "many"], expectInError: "--seed")
        let senders = try #require(cli["senders"] as? [[String: Any]])
        #expect(senders.compactMap { $0["accepted"] as? Int } == [2, 2, 6])
    }
}
