import Eventide
import EventideHTTP
import Foundation
import Hummingbird
import Testing

/// The key rules, seen through the gateway: the key each derives is the one its answer reports.
@Suite(.timeLimit(.minutes(2)))
struct IdempotencyKeyRuleTests {
    @Test func aFieldRuleUsesTheSendersOwnId() async throws {
        let fixture = try await GatewayFixture()
        let receipt = try await fixture.post("shop", GatewayFixture.cloudEvent(id: "ce-77"))
        #expect(receipt.events.map(\.key) == ["ce-77"])
    }

    @Test func aHeaderRuleUsesTheHeaderAndSuffixesThePositionInABatch() async throws {
        let fixture = try await GatewayFixture()
        let receipt = try await fixture.post("pos", #"{"EVT": "SALE", "ORDER": "o-1", "AMT": "5"}"#, key: "k-1")
        #expect(receipt.events.map(\.key) == ["k-1"])
        await #expect(throws: GatewayRefusal.missingIdempotencyKey(header: "Idempotency-Key")) {
            try await fixture.post("pos", #"{"EVT": "SALE", "ORDER": "o-1", "AMT": "5"}"#)
        }
    }

    @Test func aHashRuleDependsOnTheNamedFieldsOnlyAndRequiresEach() async throws {
        let fixture = try await GatewayFixture()
        let receipt = try await fixture.post(
            "sensors",
            #"{"readings": [{"device": "d1", "seq": 1, "value": 20}, {"device": "d1", "seq": 2, "value": 20}, "#
                + #"{"device": "d2", "seq": 1, "value": 20}]}"#)
        let keys = receipt.events.map(\.key)
        #expect(Set(keys).count == 3)
        #expect(keys.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })
        // The same device and sequence with another value is the same key (and a conflict: other content).
        let again = try await fixture.post("sensors", #"{"readings": [{"device": "d1", "seq": 1, "value": 99}]}"#)
        #expect(again.events.map(\.key) == [keys[0]])
        await #expect(throws: GatewayRefusal.invalidEvent(EventFormatError.missing("seq").at(index: 0))) {
            try await fixture.post("sensors", #"{"readings": [{"device": "d1", "value": 20}]}"#)
        }
    }
}
