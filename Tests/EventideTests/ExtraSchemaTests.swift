import Eventide
import Testing

@Suite("Extra schema")
struct ExtraSchemaTests {
    let schema = ExtraSchema(name: "orders_export", version: 1, fields: [
        .init("path", .string), .init("row_count", .integer), .init("note", .string, required: false)])

    @Test("conforming extra passes; unknown keys are allowed")
    func conforming() throws {
        try schema.validate(["path": "/x.csv", "row_count": 3, "added_later": true])
        #expect(schema.violations(of: ["path": "/x.csv", "row_count": 3]).isEmpty)
    }

    @Test("missing required fields and wrong types are each reported")
    func violations() {
        let problems = schema.violations(of: ["row_count": 2.5, "note": 7])
        #expect(problems.count == 3)
        #expect(problems.contains { $0.contains("'path' is missing") })
        #expect(problems.contains { $0.contains("'row_count' should be integer") })
        #expect(throws: EventError.self) { try schema.validate([:]) }
    }
}
