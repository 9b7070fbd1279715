import Eventide
import EventideHTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The gateway behind Hummingbird's router: statuses, bodies and headers as a sender sees them.
@Suite(.timeLimit(.minutes(2)))
struct EventGatewayHTTPTests {
    static func post(
        _ client: some TestClientProtocol, _ path: String, _ body: String, key: String? = nil
    ) async throws -> TestResponse {
        try await client.execute(
            uri: path, method: .post, headers: GatewayFixture.headers(key: key), body: ByteBuffer(string: body))
    }

    static func detail(_ response: TestResponse) throws -> JSONValue? {
        try JSONValue.parse(String(buffer: response.body))["detail"]
    }

    @Test func acceptedEventsAre202WithTheReceiptAndARetryIsMarkedReplayed() async throws {
        let fixture = try await GatewayFixture()
        let app = EventideHTTPServer(components: [fixture.gateway]).application()
        try await app.test(.router) { client in
            let body = GatewayFixture.cloudEvent(id: "ce-1")
            let first = try await Self.post(client, "/events/shop", body)
            #expect(first.status == .accepted)
            let receipt = try JSONDecoder().decode(GatewayReceipt.self, from: Data(buffer: first.body))
            #expect(receipt.sender == "shop" && receipt.events.first?.routed?.rule == "orders")
            let replayedHeader = try #require(HTTPField.Name(EventGateway.replayedHeader))
            #expect(first.headers[replayedHeader] == nil)
            let retry = try await Self.post(client, "/events/shop", body)
            #expect(retry.status == .accepted && retry.headers[replayedHeader] == "true")
            let again = try JSONDecoder().decode(GatewayReceipt.self, from: Data(buffer: retry.body))
            #expect(again.events.map(\.routed) == receipt.events.map(\.routed))
        }
    }

    @Test func refusalsHaveTheirStatusAndAirflowsErrorShape() async throws {
        let fixture = try await GatewayFixture()
        let app = EventideHTTPServer(components: [fixture.gateway]).application()
        try await app.test(.router) { client in
            let unknown = try await Self.post(client, "/events/mystery", "{}")
            let unknownDetail = try Self.detail(unknown)
            #expect(unknown.status == .notFound && unknownDetail?.stringValue != nil)
            let malformed = try await Self.post(client, "/events/shop", "{not json")
            #expect(malformed.status == .badRequest)
            let noKey = try await Self.post(client, "/events/pos", #"{"EVT": "SALE", "ORDER": "o", "AMT": 1}"#)
            #expect(noKey.status == .badRequest)
            let invalid = try await Self.post(
                client, "/events/pos", #"{"EVT": "SALE", "ORDER": "o", "AMT": "abc"}"#, key: "k")
            #expect(invalid.status == .unprocessableContent)
            let problem = try #require(try Self.detail(invalid)?.arrayValue?.first)
            #expect(problem["loc"] == ["body", "AMT"] && problem["type"] == "value_error")
            let tooLarge = try await Self.post(
                client, "/events/shop", #"{"pad": ""# + String(repeating: "x", count: 1 << 20) + #""}"#)
            #expect(tooLarge.status == .contentTooLarge)
        }
        #expect(try await fixture.scheduler.allAssetEvents().isEmpty)
        #expect(try await fixture.deadLetters().isEmpty)
    }
}
