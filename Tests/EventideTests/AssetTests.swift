import Foundation
import Eventide
import Testing

@Suite("Asset URIs, identity and conditions")
struct AssetTests {
    @Test("URIs are normalised like Airflow 3", arguments: [
        ("S3://Bucket/Key/", "s3://bucket/Key"),
        ("s3://bucket/key#fragment", "s3://bucket/key"),
        ("s3://bucket/key?b=2&a=1&a=0", "s3://bucket/key?a=0&a=1&b=2"),
        ("postgres://db.example:5432", "postgres://db.example:5432/"),
        ("file:///data/landing/", "file:///data/landing"),
        ("s3://bucket/", "s3://bucket/"),
    ])
    func normalisation(input: String, expected: String) throws {
        #expect(try AssetURI.normalise(input).uri == expected)
    }

    @Test("a password in the user info is dropped with a warning")
    func passwordDropped() throws {
        let normalised = try AssetURI.normalise("s3://etl:secret@bucket/key")
        #expect(normalised.uri == "s3://etl@bucket/key")
        #expect(normalised.warnings.count == 1)
        #expect(!normalised.uri.contains("secret"))
    }

    @Test("bad URIs are refused with the reason", arguments: [
        ("", AssetError.emptyURI),
        ("   ", AssetError.emptyURI),
        ("orders.csv", AssetError.missingScheme("orders.csv")),
        ("airflow://x", AssetError.reservedScheme("airflow://x")),
        ("AIRFLOW://x", AssetError.reservedScheme("AIRFLOW://x")),
        ("s3://bucket/my file", AssetError.whitespaceInURI("s3://bucket/my file")),
        ("s3://bücket/k", AssetError.nonASCIIURI("s3://bücket/k")),
    ])
    func refusals(input: String, error: AssetError) {
        #expect(throws: error) { try Asset(uri: input) }
    }

    @Test("names and URIs over 1,500 characters are refused; blank names are refused")
    func lengthAndBlankNames() {
        let long = "s3://b/" + String(repeating: "k", count: 1_500)
        #expect(throws: AssetError.tooLong(field: "URI", length: long.count)) { try Asset(uri: long) }
        #expect(throws: AssetError.emptyName) { try Asset(name: " \n") }
        #expect(throws: AssetError.emptyName) { try Asset(uri: "s3://b/k", name: "") }
        #expect(AssetError.missingScheme("x.csv").description.contains("s3://bucket/x.csv"))
    }

    @Test("identity is (name, uri); either alone fills the other; extra and group do not count")
    func identity() throws {
        let byURI = try Asset(uri: "s3://b/k")
        #expect(byURI.name == "s3://b/k")
        let byName = try Asset(name: "daily_orders")
        #expect(byName.uri == "daily_orders")
        #expect(try Asset(uri: "s3://b/k", group: "x", extra: ["a": 1]) == Asset(uri: "S3://b/k/", group: "y"))
        #expect(try Asset(uri: "s3://b/k", name: "one") != Asset(uri: "s3://b/k", name: "two"))
        #expect(Set([try Asset(uri: "s3://b/k"), try Asset(uri: "s3://B/k")]).count == 1)
    }

    @Test("& binds tighter than |, and chains of one operator flatten")
    func precedenceAndFlattening() throws {
        let a = try Asset(uri: "s3://x/a"), b = try Asset(uri: "s3://x/b"), c = try Asset(uri: "s3://x/c")
        let d = try Asset(uri: "s3://x/d")
        #expect(a & b | c == .any([.all([.asset(a.key), .asset(b.key)]), .asset(c.key)]))
        #expect(c | a & b == .any([.asset(c.key), .all([.asset(a.key), .asset(b.key)])]))
        #expect(a & b & c == .all([.asset(a.key), .asset(b.key), .asset(c.key)]))
        #expect((a & b) & (c & d) == .all([a, b, c, d].map { .asset($0.key) }))
        #expect(a | (b | c) == .any([a, b, c].map { .asset($0.key) }))
        #expect(AssetCondition(schedule: [a, b]) == a & b)
        #expect((a & b | c).description == "((s3://x/a & s3://x/b) | s3://x/c)")
    }

    @Test("evaluation: nested conditions, aliases true only when resolved and updated, missing leaves")
    func evaluation() throws {
        let a = try Asset(uri: "s3://x/a"), b = try Asset(uri: "s3://x/b"), c = try Asset(uri: "s3://x/c")
        let alias = try AssetAlias(name: "daily")
        let condition = (a & b) | (c & alias)
        #expect(!condition.evaluate(updated: [a.key], aliases: [:]))
        #expect(condition.evaluate(updated: [a.key, b.key], aliases: [:]))
        #expect(!condition.evaluate(updated: [c.key], aliases: [:]), "the alias resolves to nothing")
        #expect(!condition.evaluate(updated: [c.key], aliases: ["daily": [a.key]]), "resolved, but a not updated")
        #expect(condition.evaluate(updated: [c.key, a.key], aliases: ["daily": [a.key]]))
        #expect((a & b & c).missing(updated: [a.key], aliases: [:]) == [.asset(b.key), .asset(c.key)])
        #expect(condition.assetKeys == [a.key, b.key, c.key])
        #expect(condition.aliasNames == ["daily"])
    }

    @Test("conditions and assets round-trip through JSON")
    func codable() throws {
        let a = try Asset(uri: "s3://x/a", extra: ["owner": "sales"]), b = try Asset(uri: "s3://x/b")
        let condition = a & b | (try AssetAlias(name: "z"))
        let data = try JSONEncoder().encode(condition)
        #expect(try JSONDecoder().decode(AssetCondition.self, from: data) == condition)
        let decoded = try JSONDecoder().decode(Asset.self, from: JSONEncoder().encode(a))
        #expect(decoded == a && decoded.extra == ["owner": "sales"])
    }
}
