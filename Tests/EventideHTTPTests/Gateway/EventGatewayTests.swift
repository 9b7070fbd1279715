import Eventide
import EventideHTTP
import EventideTesting
import Foundation
import Hummingbird
import Testing

@Suite(.timeLimit(.minutes(3)))
struct EventGatewayTests {
    @Test func anEventIsCommittedOnTheRulesAssetWithTheRunsOfEveryDagScheduledOnIt() async throws {
        let fixture = try await GatewayFixture()
        let receipt = try await fixture.post("shop", GatewayFixture.cloudEvent(id: "ce-1", total: 40))
        let only = try #require(receipt.events.first)
        #expect(receipt.events.count == 1 && only.fate == .routed && !only.replayed)
        let routed = try #require(only.routed)
        #expect(routed.rule == "orders" && routed.asset == fixture.orders.key)
        #expect(routed.dags == ["audit_orders", "fulfil_order"])
        #expect(routed.runs.map(\.dagId) == ["audit_orders", "fulfil_order"])
        // The answer came after the commit: the event and its runs are in the store.
        let stored = try await fixture.scheduler.assetEvents(for: fixture.orders.key)
        #expect(stored.map(\.id) == [routed.assetEventId])
        let event = try #require(stored.first)
        #expect(event.source == fixture.gateway.assetEventSource(sender: "shop", key: "ce-1"))
        #expect(event.extra["type"] == "order.placed" && event.extra["data"]?["total"] == .number(40))
        #expect(event.extra["gateway"]?["rule"] == "orders")
        for ref in routed.runs {
            let run = try #require(try await fixture.scheduler.run(ref))
            #expect(run.triggeringAssetEvents.map(\.id) == [routed.assetEventId])
        }
    }

    @Test func eachSendersFormatIsTransformedToTheSameCanonicalEvent() async throws {
        let fixture = try await GatewayFixture()
        _ = try await fixture.post("shop", GatewayFixture.cloudEvent(id: "ce-1", total: 19.9))
        _ = try await fixture.post("pos", #"{"EVT": "SALE", "ORDER": "ce-1", "AMT": "19.90"}"#, key: "pos-1")
        let events = try await fixture.scheduler.assetEvents(for: fixture.orders.key)
        try #require(events.count == 2)
        for event in events {
            #expect(event.extra["type"] == "order.placed" && event.extra["subject"] == "ce-1")
            #expect(event.extra["data"]?["total"] == .number(19.9))
        }
        #expect(events.map { $0.extra["gateway"]?["sender"] } == ["shop", "pos"])
    }

    @Test func anEventNoRuleTakesIsDeadLetteredWithTheReasonNotDropped() async throws {
        let fixture = try await GatewayFixture()
        let unknownType = try await fixture.post("shop", GatewayFixture.cloudEvent(id: "ce-9", type: "customer.moved"))
        let refusedByFilter = try await fixture.post("shop", GatewayFixture.cloudEvent(id: "ce-10", total: 0))
        let first = try #require(unknownType.events.first?.deadLettered)
        let second = try #require(refusedByFilter.events.first?.deadLettered)
        #expect(unknownType.events.first?.fate == .deadLettered)
        #expect(first.reason == .init(kind: .noRuleForType, sender: "shop", type: "customer.moved", rulesTried: []))
        #expect(
            second.reason == .init(kind: .filtersRefused, sender: "shop", type: "order.placed", rulesTried: ["orders"]))
        let letters = try await fixture.deadLetters()
        #expect(letters.map(\.id) == [first.deadLetterId, second.deadLetterId])
        #expect(letters.map(\.messageId) == ["ce-9", "ce-10"])
        #expect(letters.first?.reason == first.reason.description)
        #expect(letters.first?.payload["data"]?["order"] == "ce-9")
        #expect(try await fixture.scheduler.allAssetEvents().isEmpty)
    }

    @Test func aRetryRecordsNothingAndGetsTheFirstAnswer() async throws {
        let fixture = try await GatewayFixture()
        let body = #"{"EVT": "SALE", "ORDER": "o-1", "AMT": "12"}"#
        let first = try await fixture.post("pos", body, key: "pos-1")
        let retry = try await fixture.post("pos", body, key: "pos-1")
        #expect(!first.replayed && retry.replayed)
        #expect(retry.events.map(\.routed) == first.events.map(\.routed))
        #expect(retry.events.map(\.key) == first.events.map(\.key) && retry.events.map(\.type) == ["order.placed"])
        #expect(try await fixture.scheduler.allAssetEvents().count == 1)
        #expect(try await fixture.scheduler.runs(of: "fulfil_order").count == 1)

        let lost = GatewayFixture.cloudEvent(id: "ce-5", type: "customer.moved")
        let letter = try await fixture.post("shop", lost)
        let letterAgain = try await fixture.post("shop", lost)
        #expect(!letter.replayed && letterAgain.replayed)
        #expect(letterAgain.events.map(\.deadLettered) == letter.events.map(\.deadLettered))
        #expect(try await fixture.deadLetters().count == 1)
    }

    @Test func theFirstAnswerSurvivesARestartOnTheSameStore() async throws {
        let database = try TemporaryDatabase.make("gateway-restart")
        let before = try await GatewayFixture(database: database)
        let first = try await before.post("shop", GatewayFixture.cloudEvent(id: "ce-1"))
        let letter = try await before.post("shop", GatewayFixture.cloudEvent(id: "ce-2", type: "customer.moved"))
        // A new runtime and gateway over the same file: nothing is remembered in memory.
        let reopened = try EventideDatabase(path: database.path)
        let after = try await GatewayFixture(database: reopened)
        let retry = try await after.post("shop", GatewayFixture.cloudEvent(id: "ce-1"))
        let letterRetry = try await after.post("shop", GatewayFixture.cloudEvent(id: "ce-2", type: "customer.moved"))
        #expect(retry.replayed && retry.events.map(\.routed) == first.events.map(\.routed))
        #expect(letterRetry.replayed && letterRetry.events.map(\.deadLettered) == letter.events.map(\.deadLettered))
        #expect(try await after.scheduler.allAssetEvents().count == 1)
        #expect(try await after.deadLetters().count == 1)
    }

    @Test func aKeyReusedWithOtherContentIsRefusedAndTheFirstEventStands() async throws {
        let fixture = try await GatewayFixture()
        let first = try await fixture.post("pos", #"{"EVT": "SALE", "ORDER": "o-1", "AMT": "12"}"#, key: "pos-1")
        await #expect(throws: GatewayRefusal.keyReused(key: "pos-1")) {
            try await fixture.post("pos", #"{"EVT": "SALE", "ORDER": "o-1", "AMT": "13"}"#, key: "pos-1")
        }
        let events = try await fixture.scheduler.allAssetEvents()
        #expect(events.map(\.id) == first.events.compactMap(\.routed?.assetEventId))
        #expect(events.first?.extra["data"]?["total"] == .number(12))

        // In a batch the others go through and the reused key is reported as a conflict.
        let batch = try await fixture.post("sensors", #"{"readings": [{"device": "d1", "seq": 1, "value": 20}]}"#)
        let mixed = try await fixture.post(
            "sensors",
            #"{"readings": [{"device": "d1", "seq": 1, "value": 21}, {"device": "d1", "seq": 2, "value": 20}]}"#)
        #expect(mixed.events.map(\.fate) == [.conflict, .routed])
        #expect(mixed.events.first?.routed == batch.events.first?.routed, "the conflict shows the first delivery")
        #expect(try await fixture.scheduler.assetEvents(for: fixture.readings.key).count == 2)
    }

    @Test func anInvalidEventRefusesTheWholeRequestAndRecordsNothing() async throws {
        let fixture = try await GatewayFixture()
        await #expect(throws: GatewayRefusal.invalidEvent(.invalid("AMT", "\"abc\" is not a number"))) {
            try await fixture.post("pos", #"{"EVT": "SALE", "ORDER": "o-1", "AMT": "abc"}"#, key: "pos-1")
        }
        // The second reading is invalid: the first, valid one is not recorded either.
        await #expect(throws: GatewayRefusal.invalidEvent(EventFormatError.missing("value").at(index: 1))) {
            try await fixture.post(
                "sensors", #"{"readings": [{"device": "d1", "seq": 1, "value": 20}, {"device": "d1", "seq": 2}]}"#)
        }
        await #expect(throws: GatewayRefusal.self) { try await fixture.post("shop", "{not json") }
        await #expect(throws: GatewayRefusal.unknownSender("mystery", known: ["shop", "pos", "sensors"])) {
            try await fixture.post("mystery", "{}")
        }
        #expect(try await fixture.scheduler.allAssetEvents().isEmpty)
        #expect(try await fixture.deadLetters().isEmpty)
    }

    @Test func aBatchIsRoutedEventByEventAndARetriedBatchOnlyAddsWhatIsNew() async throws {
        let fixture = try await GatewayFixture()
        let first = try await fixture.post(
            "sensors",
            #"{"readings": [{"device": "d1", "seq": 1, "value": 20}, {"device": "d1", "seq": 2, "value": 35}]}"#)
        #expect(first.events.map { $0.routed?.rule } == ["readings", "hot_readings"])
        let retried = try await fixture.post(
            "sensors",
            #"{"readings": [{"device": "d1", "seq": 1, "value": 20}, {"device": "d1", "seq": 2, "value": 35}, "#
                + #"{"device": "d1", "seq": 3, "value": 22}]}"#)
        #expect(retried.events.map(\.replayed) == [true, true, false])
        #expect(Array(retried.events.prefix(2)).map(\.routed) == first.events.map(\.routed))
        #expect(try await fixture.scheduler.assetEvents(for: fixture.readings.key).count == 2)
        #expect(try await fixture.scheduler.assetEvents(for: fixture.alerts.key).count == 1)
        #expect(try await fixture.scheduler.runs(of: "cool_down").count == 1)
    }

    @Test func theConfigurationIsCheckedAgainstTheRegisteredAssetsAndDags() async throws {
        let fixture = try await GatewayFixture()
        let stray = try Asset(name: "stray")
        let shop = GatewaySender("shop", format: .cloudEvents, key: .field("id"))
        func make(_ senders: [GatewaySender], _ rules: [RoutingRule]) async throws {
            _ = try await EventGateway(
                orchestrator: fixture.orchestrator, senders: senders, routes: RoutingTable(rules))
        }
        await #expect(throws: GatewayConfigurationError.undeclaredDestination(rule: "r", asset: "stray")) {
            try await make([shop], [RoutingRule("r", to: stray)])
        }
        try await fixture.orchestrator.register(dags: [], assets: [stray])
        await #expect(throws: GatewayConfigurationError.destinationWithoutConsumers(rule: "r", asset: "stray")) {
            try await make([shop], [RoutingRule("r", to: stray)])
        }
        await #expect(throws: GatewayConfigurationError.unknownSender(rule: "r", sender: "crm")) {
            try await make([shop], [RoutingRule("r", from: ["crm"], to: fixture.orders)])
        }
        await #expect(throws: GatewayConfigurationError.duplicateSender("shop")) { try await make([shop, shop], []) }
        await #expect(throws: GatewayConfigurationError.duplicateRule("r")) {
            try await make([shop], [RoutingRule("r", to: fixture.orders), RoutingRule("r", to: fixture.refunds)])
        }
        await #expect(throws: GatewayConfigurationError.invalidSenderName("a/b")) {
            try await make([GatewaySender("a/b", format: .cloudEvents, key: .field("id"))], [])
        }
        await #expect(throws: GatewayConfigurationError.invalidHeaderName(sender: "x", header: "bad header")) {
            try await make([GatewaySender("x", format: .cloudEvents, key: .header("bad header"))], [])
        }
    }
}
