import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex117_04_01_trigger_event_basics

@Suite("117.4.1 TriggerEvent Structure", .timeLimit(.minutes(5)))
struct TriggerEventBasicsTests {
    typealias Basics = TriggerEventBasics

    func run(orders: Int = 2) async throws -> Basics.Outcome {
        let database = try TemporaryDatabase.make("117_04_01")
        return try await Basics.run(.init(orders: orders), database: database).outcome
    }

    @Test("117.4.1/1 each trigger event (payload, message id, occurred at) becomes one asset event carrying them")
    func dataModel() async throws {
        let outcome = try await run(orders: 3)
        try #require(outcome.pairs.count == 4)
        for (index, pair) in outcome.pairs.enumerated() {
            #expect(pair.triggerEvent.messageId == "orders/0@\(index)", "the log position is the message id")
            #expect(pair.triggerEvent.occurredAt != nil && pair.triggerEvent.deliveryCount == nil)
            let asset = try #require(pair.assetEvent)
            #expect(asset.id == Int64(index + 1) && asset.assetURI == "eventide://shop/orders")
            #expect(asset.extra[AssetEvent.fromTriggerKey] == true)
            #expect(asset.extra[AssetEvent.payloadKey] == pair.triggerEvent.payload, "the payload, unchanged")
            #expect(asset.watcher == "orders_watcher" && asset.messageId == pair.triggerEvent.messageId)
        }
        _ = try ExampleProcess.checkCommandLine(
            "117_04_01_trigger_event_basics", item: "117.4.1", badArguments: ["--orders", "0"],
            expectInError: "--orders")
    }

    @Test("117.4.1/2 the task reads its triggering event's id, asset URI, timestamp, watcher and message id")
    func metadataInTasks() async throws {
        let outcome = try await run()
        let good = outcome.pairs.prefix(2)
        try #require(good.count == 2)
        for pair in good {
            let asset = try #require(pair.assetEvent)
            let metadata = try #require(pair.task?.inspection?.metadata)
            #expect(metadata.eventId == asset.id && metadata.assetURI == asset.assetURI)
            #expect(abs(metadata.recordedAt.timeIntervalSince(asset.recordedAt)) < 0.001)
            #expect(metadata.watcher == "orders_watcher" && metadata.messageId == pair.triggerEvent.messageId)
            #expect(metadata.fromTrigger)
        }
    }

    @Test("117.4.1/3 the source URI and the time the event occurred reach the task; recorded after it occurred")
    func sourceURIAndTimestamp() async throws {
        let outcome = try await run()
        #expect(outcome.sourceURI == "eventide://log/orders?group=orders_watcher")
        for pair in outcome.pairs.prefix(2) {
            let metadata = try #require(pair.task?.inspection?.metadata)
            let occurred = try #require(pair.triggerEvent.occurredAt)
            #expect(metadata.sourceURI == outcome.sourceURI)
            let seen = try #require(metadata.occurredAt)
            // RFC 3339 with milliseconds: less than a millisecond apart, give or take the few nanoseconds a Date
            // loses through its Double (the formatter truncates, so 43.787 read back as 43.786999… prints .786).
            #expect(abs(seen.timeIntervalSince(occurred)) < 0.001 + 1e-5, "RFC 3339 with milliseconds")
            #expect(metadata.recordedAt >= seen.addingTimeInterval(-0.001))
        }
        // The extract keeps what Airflow's asset event would lose, from a trigger event built by hand.
        let at = Date(timeIntervalSince1970: 1_700_000_000)
        let extra = Basics.extract(TriggerEvent(payload: ["k": 1], messageId: "m", occurredAt: at))
        #expect(extra == ["source_uri": .string(Basics.sourceURI), "occurred_at": .string(EventTime.format(at))])
    }

    @Test("117.4.1/4 payloads are read as typed orders; one that is not an order fails its task with the reason")
    func payloadData() async throws {
        let outcome = try await run(orders: 2)
        let orders = outcome.pairs.compactMap { $0.task?.inspection?.order }
        #expect(orders.map(\.orderId) == ["A-1", "A-2"] && orders.map(\.amount) == [21.25, 42.5])
        let last = try #require(outcome.pairs.last?.task)
        #expect(last.state == .failed && last.inspection == nil && last.failure != nil)
        #expect(throws: Basics.PayloadError.notAnObject(found: .string)) {
            try Basics.order(in: ["event": ["data": "not an order"]])
        }
        #expect(throws: Basics.PayloadError.missingField("amount")) {
            try Basics.order(in: ["event": ["data": ["order_id": "A-9"]]])
        }
    }

    @Test("117.4.1/1 a reused --db is refused instead of pairing two runs' events")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { try await Basics.run(.init(), database: $0) }
    }
}
