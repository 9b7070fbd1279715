import Foundation
import Testing

@testable import Eventide

@Suite("Asset conditions: operators, evaluation, aliases, narrative and JSON", .timeLimit(.minutes(3)))
struct AssetConditionTests {
    let a = try! Asset(uri: "s3://x/a", name: "a")
    let b = try! Asset(uri: "s3://x/b", name: "b")
    let c = try! Asset(uri: "s3://x/c", name: "c")
    let d = try! Asset(uri: "s3://x/d", name: "d")
    let daily = try! AssetAlias(name: "daily")

    func leaf(_ asset: Asset) -> AssetCondition { .asset(asset.key) }

    // MARK: Precedence and flattening

    @Test("& binds tighter than |: a & b | c is (a & b) | c, and c | a & b is c | (a & b)")
    func precedence() {
        #expect(a & b | c == .any([.all([leaf(a), leaf(b)]), leaf(c)]))
        #expect(c | a & b == .any([leaf(c), .all([leaf(a), leaf(b)])]))
        #expect(a | b & c | d == .any([leaf(a), .all([leaf(b), leaf(c)]), leaf(d)]))
    }

    @Test("chains of & flatten into one all, whatever the brackets")
    func andFlattens() {
        let flat = AssetCondition.all([leaf(a), leaf(b), leaf(c), leaf(d)])
        #expect(a & b & c & d == flat)
        #expect((a & b) & (c & d) == flat)
        #expect(a & (b & (c & d)) == flat)
    }

    @Test("chains of | flatten into one any, whatever the brackets")
    func orFlattens() {
        let flat = AssetCondition.any([leaf(a), leaf(b), leaf(c)])
        #expect(a | (b | c) == flat)
        #expect((a | b) | c == flat)
        #expect(a | b | c == flat)
    }

    @Test("different operators do not flatten into each other")
    func mixedOperatorsNest() {
        #expect((a | b) & c == .all([.any([leaf(a), leaf(b)]), leaf(c)]))
        #expect((a & b) | (c & d) == .any([.all([leaf(a), leaf(b)]), .all([leaf(c), leaf(d)])]))
    }

    @Test("aliases and conditions combine with assets through the same operators")
    func aliasesInOperators() {
        #expect(a & daily == .all([leaf(a), .alias("daily")]))
        #expect(daily | (a & b) == .any([.alias("daily"), .all([leaf(a), leaf(b)])]))
        #expect(AssetCondition.asset(a.key) | b == .any([leaf(a), leaf(b)]))
    }

    @Test("schedule [a, b] means all of them; a single asset is just that asset")
    func scheduleList() {
        #expect(AssetCondition(schedule: [a, b]) == a & b)
        #expect(AssetCondition(schedule: [a]) == leaf(a))
    }

    // MARK: What a condition references

    @Test("assetKeys and aliasNames list everything a nested condition names")
    func references() {
        let condition = (a & b) | (c & daily) | (a & (try! AssetAlias(name: "hourly")))
        #expect(condition.assetKeys == [a.key, b.key, c.key])
        #expect(condition.aliasNames == ["daily", "hourly"])
        #expect(leaf(a).aliasNames.isEmpty && AssetCondition.alias("daily").assetKeys.isEmpty)
    }

    // MARK: Evaluation

    @Test("an asset holds when updated; all needs every part; any needs one")
    func basicEvaluation() {
        #expect(leaf(a).evaluate(updated: [a.key]))
        #expect(!leaf(a).evaluate(updated: [b.key]))
        #expect(!(a & b).evaluate(updated: [a.key]))
        #expect((a & b).evaluate(updated: [a.key, b.key]))
        #expect((a | b).evaluate(updated: [b.key]))
        #expect(!(a | b).evaluate(updated: [c.key]), "updates of other assets do not count")
        #expect(!(a & b).evaluate(updated: []))
    }

    @Test(
        "nested conditions evaluate branch by branch",
        arguments: [
            ([String](), false),
            (["a"], false),
            (["a", "b"], true),
            (["c"], false),
            (["c", "d"], true),
            (["a", "d"], false),
            (["a", "b", "c", "d"], true),
        ])
    func nestedEvaluation(updated: [String], holds: Bool) {
        let byName = Dictionary(uniqueKeysWithValues: [a, b, c, d].map { ($0.name, $0.key) })
        let condition = (a & b) | (c & d)
        #expect(condition.evaluate(updated: Set(updated.compactMap { byName[$0] })) == holds)
    }

    @Test("an alias that resolves to nothing never holds, whatever was updated")
    func unresolvedAlias() {
        #expect(!AssetCondition.alias("daily").evaluate(updated: [a.key, b.key], aliases: [:]))
        #expect(!AssetCondition.alias("daily").evaluate(updated: [a.key], aliases: ["daily": []]))
        #expect(!(c & daily).evaluate(updated: [c.key], aliases: ["hourly": [c.key]]))
    }

    @Test("an alias holds when any asset it resolves to was updated, and not when none was")
    func resolvedAlias() {
        let aliases: [String: Set<AssetKey>] = ["daily": [a.key, b.key]]
        #expect(AssetCondition.alias("daily").evaluate(updated: [b.key], aliases: aliases))
        #expect(AssetCondition.alias("daily").evaluate(updated: [a.key, b.key], aliases: aliases))
        #expect(!AssetCondition.alias("daily").evaluate(updated: [c.key], aliases: aliases))
    }

    @Test("an alias inside a nested condition counts only once resolved and updated")
    func aliasInNestedCondition() {
        let condition = (a & b) | (c & daily)
        #expect(!condition.evaluate(updated: [c.key], aliases: [:]), "the alias resolves to nothing")
        #expect(!condition.evaluate(updated: [c.key], aliases: ["daily": [d.key]]), "resolved, but d not updated")
        #expect(condition.evaluate(updated: [c.key, d.key], aliases: ["daily": [d.key]]))
        #expect(condition.evaluate(updated: [a.key, b.key], aliases: [:]))
    }

    @Test("empty groups never hold and the operators cannot build them")
    func emptyGroups() {
        #expect(!AssetCondition.all([]).evaluate(updated: [a.key]))
        #expect(!AssetCondition.any([]).evaluate(updated: [a.key]))
        #expect(!AssetCondition(schedule: []).evaluate(updated: [a.key]))
        #expect(AssetCondition.all([]).missing(updated: []).isEmpty)
        #expect(!(AssetCondition.all([]) & a).evaluate(updated: [a.key]), "an empty all is not flattened away")
        #expect((AssetCondition.any([]) | a).evaluate(updated: [a.key]))
    }

    // MARK: What is still awaited

    @Test("missing lists the leaves still awaited, in order")
    func missingLeaves() {
        #expect((a & b & c).missing(updated: [a.key]) == [leaf(b), leaf(c)])
        #expect((a & b & c).missing(updated: [a.key, b.key, c.key]).isEmpty)
        #expect((a | b).missing(updated: []) == [leaf(a), leaf(b)])
    }

    @Test("missing skips satisfied branches, names each leaf once, and includes unresolved aliases")
    func missingNested() {
        let condition = (a & b) | (c & daily)
        #expect(condition.missing(updated: [a.key], aliases: [:]) == [leaf(b), leaf(c), .alias("daily")])
        #expect(condition.missing(updated: [a.key, b.key], aliases: [:]).isEmpty)
        #expect(((a & b) | (a & c)).missing(updated: []) == [leaf(a), leaf(b), leaf(c)])
        #expect(((a | b) & c).missing(updated: [a.key]) == [leaf(c)])
        #expect(
            condition.missing(updated: [c.key], aliases: ["daily": [d.key]]).map(\.description)
                == ["a", "b", "alias:daily"])
    }

    // MARK: Description

    @Test("a condition prints like the Swift that builds it, outermost group unbracketed")
    func description() throws {
        let orders = try Asset(uri: "s3://lake/orders", name: "orders")
        let customers = try Asset(uri: "s3://lake/customers", name: "customers")
        let manual = try Asset(uri: "s3://lake/manual", name: "manual")
        #expect((orders & customers | manual).description == "(orders & customers) | manual")
        #expect((manual | orders & customers).description == "manual | (orders & customers)")
        #expect((a | (b & (c | d))).description == "a | (b & (c | d))")
        #expect((a & daily).description == "a & alias:daily")
        #expect(leaf(a).description == "a")
        #expect(AssetCondition.all([leaf(a)]).description == "a")
        #expect(AssetCondition.all([]).description == "all()" && AssetCondition.any([]).description == "any()")
    }

    @Test("assets named after their URI print their URI")
    func uriNamedDescription() throws {
        let orders = try Asset(uri: "s3://lake/orders"), fx = try Asset(uri: "s3://lake/fx_rates")
        #expect((orders & fx).description == "s3://lake/orders & s3://lake/fx_rates")
    }

    // MARK: JSON

    @Test("a nested condition round-trips through JSON")
    func roundTrip() throws {
        let condition = (a & b) | (c & daily) | AssetCondition.any([]) | d
        let data = try JSONEncoder().encode(condition)
        #expect(try JSONDecoder().decode(AssetCondition.self, from: data) == condition)
    }

    @Test("a condition encodes as plain JSON with one key per node")
    func jsonShape() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(a & daily), as: UTF8.self)
        #expect(json == #"{"all":[{"asset":{"name":"a","uri":"s3://x/a"}},{"alias":"daily"}]}"#)
    }

    @Test(
        "decoding refuses objects without exactly one known key",
        arguments: [
            #"{}"#, #"{"alias": "x", "all": []}"#, #"{"every": []}"#,
        ])
    func decodingRefuses(json: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AssetCondition.self, from: Data(json.utf8)) }
    }
}
