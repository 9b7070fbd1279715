import Eventide
import Foundation
import Testing

@Suite("Extra schema", .timeLimit(.minutes(3)))
struct ExtraSchemaTests {
    let schema = ExtraSchema(
        name: "orders_export", version: 1,
        fields: [
            .init("path", .string), .init("row_count", .integer), .init("note", .string, required: false),
        ])

    @Test("conforming extra passes; unknown keys are allowed")
    func conforming() throws {
        try schema.validate(["path": "/x.csv", "row_count": 3, "added_later": true])
        #expect(schema.violations(of: ["path": "/x.csv", "row_count": 3]).isEmpty)
    }

    @Test("missing required fields and wrong types are each reported")
    func violations() {
        let problems = schema.violations(of: ["row_count": 2.5, "note": 7])
        #expect(
            problems == [
                "'path' is missing (string required)", "'row_count' should be integer, got 2.5",
                "'note' should be string, got 7",
            ])
        #expect(throws: EventError.self) { try schema.validate([:]) }
    }

    @Test("null counts as missing; an optional field may be absent or null but not of the wrong type")
    func nullAndOptional() {
        #expect(schema.violations(of: ["path": nil, "row_count": 1]) == ["'path' is missing (string required)"])
        #expect(schema.violations(of: ["path": "p", "row_count": 1, "note": nil]).isEmpty)
        #expect(
            schema.violations(of: ["path": "p", "row_count": 1, "note": false]) == [
                "'note' should be string, got false"
            ])
    }

    @Test("each JSON type accepts its own values only")
    func types() {
        let all = ExtraSchema(
            name: "t", version: 1,
            fields: [
                .init("s", .string), .init("n", .number), .init("i", .integer), .init("b", .boolean),
                .init("o", .object), .init("a", .array),
            ])
        #expect(all.violations(of: ["s": "x", "n": 1.5, "i": -4, "b": true, "o": ["k": 1], "a": [1, "x"]]).isEmpty)
        let wrong = all.violations(of: ["s": 1, "n": "1", "i": "1", "b": 1, "o": [1], "a": ["k": 1]])
        #expect(wrong.count == 6)
    }

    @Test(
        "an integer is exact: no fraction, and a safe magnitude (at most 2^53 - 1; 2^53 is also 2^53 + 1 rounded)",
        arguments: [
            (JSONValue.number(9_007_199_254_740_991), true), (.number(-9_007_199_254_740_991), true),
            (.number(9_007_199_254_740_992), false), (.number(-9_007_199_254_740_992), false),
            (.number(9_007_199_254_740_994), false), (.number(1e300), false), (.number(2.5), false),
            (.number(-0.0), true), (.string("3"), false), (.bool(true), false),
        ])
    func exactIntegers(value: JSONValue, accepted: Bool) {
        #expect((value.exactIntegerValue != nil) == accepted)
        #expect(
            ExtraSchema(name: "t", version: 1, fields: [.init("i", .integer)]).violations(of: ["i": value]).isEmpty
                == accepted)
    }

    @Test("with a version key, extra must carry exactly the schema's version")
    func versionKey() throws {
        let v2 = ExtraSchema(
            name: "orders_export", version: 2, versionKey: "schema_version",
            fields: [
                .init("path", .string), .init("schema_version", .integer),
            ])
        try v2.validate(["path": "p", "schema_version": 2])
        #expect(
            v2.violations(of: ["path": "p", "schema_version": 1]) == [
                "'schema_version' is 1, but this schema is version 2"
            ])
        #expect(
            v2.violations(of: ["path": "p"]) == ["'schema_version' is missing (this schema is version 2)"],
            "the version is reported once, not again as a missing field")
        #expect(
            v2.violations(of: ["path": "p", "schema_version": "2"]) == [
                "'schema_version' should be integer 2, got \"2\""
            ])
        #expect(
            throws: EventError.schemaViolation(
                type: "orders_export v2",
                reason: "'schema_version' is 1, but this schema is version 2")
        ) {
            try v2.validate(["path": "p", "schema_version": 1])
        }
    }

    @Test("a schema round-trips through JSON, so producers and consumers can share it as a file")
    func codable() throws {
        let schema = ExtraSchema(name: "orders_export", version: 3, versionKey: "v", fields: [.init("path", .string)])
        let decoded = try JSONDecoder().decode(ExtraSchema.self, from: JSONEncoder().encode(schema))
        #expect(decoded == schema)
        let old = try JSONDecoder().decode(ExtraSchema.self, from: Data(#"{"name":"x","version":1,"fields":[]}"#.utf8))
        #expect(old.versionKey == nil)
    }
}
