import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex117_04_02_event_data_extraction

@Suite("117.4.2 Event Data Extraction", .timeLimit(.minutes(5)))
struct EventDataExtractionTests {
    typealias Extraction = EventDataExtraction

    func run() async throws -> Extraction.Outcome {
        try await Extraction.run(.init(), database: try TemporaryDatabase.make("117_04_02")).outcome
    }

    /// The load task's arguments rendered again from an event as the store kept it.
    func render(_ message: Extraction.Message) throws -> TemplatedArguments {
        let event = try #require(message.assetEvent)
        let context = TemplateContext(
            dagId: Extraction.dagId, runId: "r", taskId: "load", triggeringAssetEvents: [event],
            variables: ["asset": .string(event.asset.uri)])
        return try TemplatedArguments.render(Extraction.arguments, in: context)
    }

    @Test("117.4.2/1 extra, stored as JSON, parses into Codable types; a missing or mistyped field names its path")
    func parseExtra() async throws {
        let outcome = try await run()
        try #require(outcome.messages.count == 4)
        let parsed = outcome.messages.compactMap { $0.parse?.value }
        #expect(parsed.map { $0["order_id"] } == ["A-1", "A-2"])
        #expect(outcome.messages[2].parse?.state == .failed && outcome.messages[3].parse?.state == .failed)
        let missing = try #require(outcome.messages[2].assetEvent)
        #expect(throws: Extraction.ExtractionError.undecodable(path: "payload.body.order_id", problem: .missing)) {
            try Extraction.parse(extra: missing.extra)
        }
        let malformed = try #require(outcome.messages[3].assetEvent)
        #expect(throws: Extraction.ExtractionError.undecodable(path: "payload.body", problem: .wrongType)) {
            try Extraction.parse(extra: malformed.extra)
        }
        _ = try ExampleProcess.checkCommandLine(
            "117_04_02_event_data_extraction", item: "117.4.2", badArguments: ["--log-level", "loud"],
            expectInError: "--log-level")
    }

    @Test("117.4.2/2 event data is mapped to the load task's typed parameters")
    func mapToParameters() async throws {
        let outcome = try await run()
        let first = try #require(outcome.messages.first?.load)
        #expect(first.state == .success)
        #expect(
            first.value == [
                "orderId": "A-1", "amount": 42.5, "tier": "gold", "target": "s3://warehouse/orders/A-1.json",
            ])
        let arguments = try render(try #require(outcome.messages.first))
        #expect(arguments["amount"] == 42.5, "one expression alone keeps the number's type")
    }

    @Test("117.4.2/3 templates read the run's triggering event; a missing optional field takes its default")
    func templating() async throws {
        let outcome = try await run()
        let second = try #require(outcome.messages.dropFirst().first)
        #expect(second.load?.state == .success)
        #expect(second.load?.value?["tier"] == "standard")
        #expect(try render(second)["target"] == "s3://warehouse/orders/A-2.json")
        #expect(second.parse?.value?["customer"] == ["id": "c2"], "parse sees no tier either: it is optional there")
    }

    @Test("117.4.2/4 a missing field and a malformed body fail load with the path, before its body runs")
    func missingAndMalformed() async throws {
        let outcome = try await run()
        try #require(outcome.messages.count == 4)
        for message in outcome.messages.suffix(2) {
            #expect(message.load?.state == .failed && message.load?.value == nil && message.load?.failure != nil)
        }
        let prefix = "triggering_asset_events['eventide://shop/orders'][0].extra.payload.body"
        #expect(
            throws: TemplateError.argument(
                name: "order_id", error: .missingKey(path: prefix + ".order_id", available: ["amount", "customer"]))
        ) {
            try render(outcome.messages[2])
        }
        #expect(
            throws: TemplateError.argument(
                name: "amount", error: .notAContainer(path: prefix, found: .string, key: "amount"))
        ) {
            try render(outcome.messages[3])
        }
    }

    @Test("117.4.2/4 a reused --db is refused instead of matching two runs' messages")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { try await Extraction.run(.init(), database: $0) }
    }
}
