import Eventide
import Foundation
import Testing

@Suite("Event envelope (CloudEvents 1.0)", .timeLimit(.minutes(3)))
struct EventEnvelopeTests {
    @Test("an envelope round-trips as a structured-mode CloudEvent with its extension attributes")
    func roundTrip() throws {
        let time = try #require(EventTime.parse("2026-11-23T07:00:00.250Z"))
        let event = try EventEnvelope(
            id: "e1", type: "com.shop.order.placed", source: "/shop", subject: "order-7",
            time: time, data: ["amount": 42.5], schemaVersion: 2,
            correlationId: "c1", causationId: "e0")
        let json = event.cloudEventJSON
        let object = try #require(try JSONValue.parse(json).objectValue)
        #expect(object["specversion"] == "1.0")
        #expect(object["correlationid"] == "c1" && object["causationid"] == "e0" && object["schemaversion"] == 2)
        #expect(object["time"] == "2026-11-23T07:00:00.250Z")
        #expect(try EventEnvelope.decode(cloudEventJSON: json) == event)
    }

    @Test("a caused event keeps the correlation id and points at its cause")
    func causation() throws {
        let cause = try EventEnvelope(id: "e1", type: "order.placed", source: "/shop")
        let effect = try cause.caused(type: "payment.requested", source: "/payments")
        #expect(effect.correlationId == "e1" && effect.causationId == "e1")
        let next = try effect.caused(type: "payment.captured", source: "/payments")
        #expect(next.correlationId == "e1" && next.causationId == effect.id)
    }

    @Test("malformed JSON, missing attributes and a wrong spec version are refused with the reason")
    func badInput() {
        #expect {
            try EventEnvelope.decode(cloudEventJSON: "{not json")
        } throws: { error in
            guard case EventError.malformedJSON = error else { return false }
            return (error as? EventError)?.description.contains("malformed event JSON") == true
        }
        #expect(throws: EventError.missingAttribute("type")) {
            try EventEnvelope.decode(cloudEventJSON: #"{"id":"1","source":"/s"}"#)
        }
        #expect(throws: EventError.missingAttribute("source")) { try EventEnvelope(type: "t", source: " ") }
        #expect(throws: EventError.self) {
            try EventEnvelope.decode(cloudEventJSON: #"{"specversion":"0.3","id":"1","type":"t","source":"/s"}"#)
        }
        #expect(throws: EventError.self) {
            try EventEnvelope.decode(cloudEventJSON: #"{"id":"1","type":"t","source":"/s","time":"yesterday"}"#)
        }
    }

    @Test("JSON values parse, print with sorted keys, and expose typed accessors")
    func jsonValues() throws {
        let value = try JSONValue.parse(#"{"b": [1, true, null], "a": "x"}"#)
        #expect(value.jsonText == #"{"a":"x","b":[1,true,null]}"#)
        #expect(value["a"]?.stringValue == "x")
        #expect(value["b"]?.arrayValue?.count == 3)
    }
}
