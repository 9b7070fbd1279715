import Eventide
import EventideHTTP
import Testing

@Suite(.timeLimit(.minutes(1)))
struct EventFormatTests {
    func json(_ text: String) throws -> JSONValue { try JSONValue.parse(text) }

    @Test func aCloudEventBecomesTheEnvelopeWithItsAttributes() throws {
        let event = try EventFormat.cloudEvents.event(from: json(GatewayFixture.cloudEvent(id: "ce-1")))
        #expect(event.id == "ce-1" && event.type == "order.placed" && event.source == "/shop")
        #expect(event.subject == "ce-1")
        #expect(event.data["total"] == .number(25))
        #expect(event.time == EventTime.parse("2026-11-23T10:00:00Z"))
    }

    @Test(
        arguments: [
            (#"{"specversion": "1.0", "source": "/s", "type": "t"}"#, "id", EventFormatError.Problem.missing),
            (#"{"specversion": "1.0", "id": 7, "source": "/s", "type": "t"}"#, "id", .wrongType(expected: "string")),
            (#"{"specversion": "0.3", "id": "1", "source": "/s", "type": "t"}"#, "specversion", nil),
            (#"{"specversion": "1.0", "id": "1", "source": "/s", "type": "t", "time": "yesterday"}"#, "time", nil),
            (#"["not", "an", "object"]"#, "", .wrongType(expected: "object")),
        ] as [(String, String, EventFormatError.Problem?)])
    func anInvalidCloudEventIsRefusedNamingTheField(body: String, field: String, problem: EventFormatError.Problem?)
        throws
    {
        let error = #expect(throws: EventFormatError.self) { try EventFormat.cloudEvents.event(from: json(body)) }
        #expect(error?.field == field)
        switch (problem, error?.problem) {
        case (let expected?, let actual): #expect(actual == expected)
        case (nil, .invalidValue?): break
        case (nil, let actual): Issue.record("expected an invalid value, got \(String(describing: actual))")
        }
    }

    @Test func aBatchFormatSplitsItsFieldAndRefusesAnEmptyOrMissingList() throws {
        let batch = GatewayFixture.readingFormat.batched(in: "readings")
        #expect(batch.isBatch && !GatewayFixture.readingFormat.isBatch)
        let elements = try batch.elements(of: json(#"{"readings": [{"a": 1}, {"a": 2}]}"#))
        #expect(elements.count == 2)
        #expect(throws: EventFormatError.missing("readings")) { try batch.elements(of: json(#"{"other": []}"#)) }
        let empty = #expect(throws: EventFormatError.self) { try batch.elements(of: json(#"{"readings": []}"#)) }
        #expect(empty?.field == "readings")
        let top = GatewayFixture.readingFormat.batched()
        #expect(try top.elements(of: json(#"[{"a": 1}]"#)).count == 1)
        #expect(throws: EventFormatError.wrongType("", expected: "list")) { try top.elements(of: json(#"{"a": 1}"#)) }
    }

    @Test func aTransformationMapsLegacyFieldsAndRefusesWhatItCannotRead() throws {
        let sale = try GatewayFixture.posFormat.event(from: json(#"{"EVT": "SALE", "ORDER": "o-9", "AMT": " 19.90"}"#))
        #expect(sale.type == "order.placed" && sale.subject == "o-9" && sale.data["total"] == .number(19.9))
        #expect(throws: EventFormatError.invalid("AMT", "\"abc\" is not a number")) {
            try GatewayFixture.posFormat.event(from: json(#"{"EVT": "SALE", "ORDER": "o-9", "AMT": "abc"}"#))
        }
        let unknown = #expect(throws: EventFormatError.self) {
            try GatewayFixture.posFormat.event(from: json(#"{"EVT": "VOID", "ORDER": "o-9", "AMT": 1}"#))
        }
        #expect(unknown?.field == "EVT")
        #expect(throws: EventFormatError.missing("ORDER")) {
            try GatewayFixture.posFormat.event(from: json(#"{"EVT": "SALE", "AMT": 1}"#))
        }
    }

    @Test func anErrorPlacedInABatchCarriesItsIndexInTheLocation() {
        let error = EventFormatError.missing("data.total").at(index: 3)
        #expect(error.location == ["body", "3", "data", "total"])
        #expect(error.type == "missing")
        #expect(EventFormatError.wrongType("id", expected: "string").type == "string_type")
    }
}
