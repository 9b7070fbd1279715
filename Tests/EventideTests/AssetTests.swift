import Foundation
import Testing

@testable import Eventide

@Suite("Assets: names, identity, groups, aliases and JSON", .timeLimit(.minutes(3)))
struct AssetTests {
    // MARK: Either alone fills the other

    @Test("an asset given only a URI is named after its normalised URI and keeps its warnings")
    func uriOnly() throws {
        let asset = try Asset(uri: "S3://etl:secret@Warehouse/orders/")
        #expect(asset.uri == "s3://etl@warehouse/orders")
        #expect(asset.name == "s3://etl@warehouse/orders")
        #expect(asset.warnings == [AssetURI.passwordDropped])
        #expect(asset.group == "asset" && asset.extra.isEmpty)
    }

    @Test(
        "an asset given only a plain name uses the name, unchanged, as an opaque URI that needs no scheme",
        arguments: ["daily_orders", "Daily Orders/", "orders.csv", "team:finance"])
    func nameOnly(name: String) throws {
        let asset = try Asset(name: name)
        #expect(asset.name == name)
        #expect(asset.uri == name)
        #expect(asset.warnings.isEmpty)
    }

    @Test("an asset given only a URI-like name is the asset of that URI")
    func uriLikeName() throws {
        let byName = try Asset(name: "S3://B/k/")
        #expect(byName.name == "s3://b/k" && byName.uri == "s3://b/k")
        #expect(byName == (try Asset(uri: "s3://b/k")))
        #expect(throws: AssetError.reservedScheme("airflow://x")) { try Asset(name: "airflow://x") }
    }

    @Test("name and URI together: the name is kept, the URI normalised, in either argument order")
    func nameAndURI() throws {
        let first = try Asset(uri: "S3://Lake/orders/", name: "orders")
        let second = try Asset(name: "orders", uri: "s3://lake/orders")
        #expect(first.name == "orders" && first.uri == "s3://lake/orders")
        #expect(first == second)
        #expect(first.key == AssetKey(name: "orders", uri: "s3://lake/orders"))
    }

    // MARK: Refusals

    @Test("a blank name is refused as empty", arguments: ["", " ", " \n", "\t\t"])
    func blankName(name: String) {
        #expect(throws: AssetError.emptyName) { try Asset(name: name) }
        #expect(throws: AssetError.emptyName) { try Asset(uri: "s3://b/k", name: name) }
    }

    @Test("a non-ASCII name is refused")
    func nonASCIIName() {
        #expect(throws: AssetError.nonASCIIName("bücher")) { try Asset(name: "bücher") }
        #expect(throws: AssetError.nonASCIIName("bücher")) { try Asset(uri: "s3://b/k", name: "bücher") }
    }

    @Test("names over 1,500 characters are refused with their length; 1,500 are accepted")
    func nameLength() throws {
        let atLimit = String(repeating: "n", count: 1_500)
        #expect(try Asset(name: atLimit).name == atLimit)
        #expect(throws: AssetError.tooLong(field: "name", length: 1_501)) { try Asset(name: atLimit + "n") }
    }

    @Test("a URI refusal reaches the asset's initialiser unchanged")
    func uriRefusalsPropagate() {
        #expect(throws: AssetError.missingScheme("orders.csv")) { try Asset(uri: "orders.csv") }
        #expect(throws: AssetError.emptyURI) { try Asset(name: "orders", uri: " ") }
        #expect(throws: AssetError.whitespaceInURI("s3://b/a b")) { try Asset(uri: "s3://b/a b", name: "x") }
    }

    // MARK: Groups

    @Test("the group defaults to \"asset\", and an empty group is that default")
    func defaultGroup() throws {
        #expect(try Asset(uri: "s3://b/k").group == "asset")
        #expect(try Asset(uri: "s3://b/k", group: "").group == "asset")
        #expect(try Asset(name: "k", group: "sales").group == "sales")
    }

    @Test("whitespace-only, non-ASCII and over-long groups are refused")
    func groupRefusals() {
        #expect(throws: AssetError.invalidGroup("  ", reason: "is only whitespace")) {
            try Asset(uri: "s3://b/k", group: "  ")
        }
        #expect(throws: AssetError.invalidGroup("ventes-été", reason: "contains non-ASCII characters")) {
            try Asset(name: "k", group: "ventes-été")
        }
        #expect(throws: AssetError.tooLong(field: "group", length: 1_501)) {
            try Asset(name: "k", group: String(repeating: "g", count: 1_501))
        }
    }

    // MARK: Identity

    @Test("identity is (name, uri): extra, group and warnings do not count")
    func identityIgnoresExtraAndGroup() throws {
        let plain = try Asset(uri: "s3://b/k")
        let decorated = try Asset(uri: "S3://b/k/", group: "sales", extra: ["owner": "finance"])
        #expect(plain == decorated)
        #expect(plain.hashValue == decorated.hashValue)
        #expect(Set([plain, decorated]).count == 1)
        let withPassword = try Asset(uri: "s3://u:p@b/k"), withoutPassword = try Asset(uri: "s3://u@b/k")
        #expect(withPassword == withoutPassword && withPassword.warnings != withoutPassword.warnings)
    }

    @Test("one URI under two names, or one name over two URIs, are different assets")
    func identityNeedsBoth() throws {
        #expect(try Asset(uri: "s3://b/k", name: "one") != Asset(uri: "s3://b/k", name: "two"))
        #expect(try Asset(uri: "s3://b/one", name: "k") != Asset(uri: "s3://b/two", name: "k"))
        #expect(try Asset(name: "s3://b/k") != Asset(uri: "s3://b/k", name: "k"))
    }

    @Test("watchers do not take part in identity")
    func watchersIgnored() throws {
        let watcher = AssetWatcher(name: "w", trigger: SilentTrigger())
        let watched = try Asset(uri: "file:///landing", watchers: [watcher])
        #expect(watched.watchers.map(\.name) == ["w"])
        #expect(watched == (try Asset(uri: "file:///landing")))
        #expect(try Asset(uri: "file:///landing").watched(by: [watcher]).watchers.count == 1)
    }

    @Test("keys print the URI, or the name and the URI when they differ, and sort by URI then name")
    func keys() throws {
        #expect(try Asset(uri: "s3://b/k").key.description == "s3://b/k")
        #expect(try Asset(uri: "s3://b/k", name: "orders").key.description == "orders (s3://b/k)")
        #expect(try Asset(uri: "s3://b/k", name: "orders").description == "orders (s3://b/k)")
        let keys = [
            AssetKey(name: "b", uri: "s3://x/2"), AssetKey(name: "z", uri: "s3://x/1"),
            AssetKey(name: "a", uri: "s3://x/2"),
        ]
        #expect(keys.sorted().map(\.name) == ["z", "a", "b"])
    }

    // MARK: JSON

    @Test("an asset round-trips through JSON with its group, extra and warnings, as plain keys")
    func assetRoundTrip() throws {
        let asset = try Asset(
            uri: "s3://u:p@lake/orders", name: "orders", group: "sales",
            extra: ["owner": "finance", "rows": 3])
        let data = try JSONEncoder().encode(asset)
        let object = try JSONValue.parse(String(decoding: data, as: UTF8.self))
        #expect(object["uri"] == "s3://u@lake/orders" && object["group"] == "sales")
        #expect(object["watchers"] == nil)
        let decoded = try JSONDecoder().decode(Asset.self, from: data)
        #expect(decoded == asset)
        #expect(decoded.group == "sales" && decoded.extra == asset.extra && decoded.warnings == asset.warnings)
    }

    @Test("decoding validates: URIs are normalised, defaults filled, invalid assets refused")
    func decodingValidates() throws {
        func decode(_ json: String) throws -> Asset { try JSONDecoder().decode(Asset.self, from: Data(json.utf8)) }
        let normalised = try decode(#"{"name": "orders", "uri": "S3://Lake/orders/"}"#)
        #expect(normalised.uri == "s3://lake/orders" && normalised.group == "asset" && normalised.extra.isEmpty)
        #expect(try decode(#"{"name": "daily", "uri": "daily"}"#).uri == "daily")
        let error = try #require(throws: DecodingError.self) { try decode(#"{"name": "orders", "uri": "orders.csv"}"#) }
        guard case .dataCorrupted(let context) = error else { Issue.record("\(error)"); return }
        #expect(context.underlyingError as? AssetError == .missingScheme("orders.csv"))
        #expect(throws: DecodingError.self) { try decode(#"{"name": " ", "uri": "s3://b/k"}"#) }
    }

    // MARK: Aliases

    @Test("an alias has a validated name and the default group \"asset\"")
    func aliasValidation() throws {
        let alias = try AssetAlias(name: "daily_partitions")
        #expect(alias.name == "daily_partitions" && alias.group == "asset")
        #expect(alias.description == "alias:daily_partitions")
        #expect(throws: AssetError.emptyName) { try AssetAlias(name: "  ") }
        #expect(throws: AssetError.nonASCIIName("été")) { try AssetAlias(name: "été") }
        #expect(throws: AssetError.tooLong(field: "name", length: 1_501)) {
            try AssetAlias(name: String(repeating: "a", count: 1_501))
        }
        #expect(throws: AssetError.invalidGroup(" ", reason: "is only whitespace")) {
            try AssetAlias(name: "a", group: " ")
        }
    }

    @Test("an alias round-trips through JSON and decoding refuses a blank name")
    func aliasRoundTrip() throws {
        let alias = try AssetAlias(name: "daily", group: "sales")
        #expect(try JSONDecoder().decode(AssetAlias.self, from: JSONEncoder().encode(alias)) == alias)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(AssetAlias.self, from: Data(#"{"name": ""}"#.utf8))
        }
    }

    // MARK: Messages

    @Test("name, group and scheduling refusals say what to do")
    func messages() {
        #expect(AssetError.emptyName.description.contains("give the asset or alias a name"))
        #expect(AssetError.nonASCIIName("bücher").description.contains("transliterate"))
        #expect(AssetError.tooLong(field: "name", length: 2_000).description.contains("name is 2000 characters long"))
        #expect(
            AssetError.invalidGroup(" ", reason: "is only whitespace").description
                == #"asset group " " is only whitespace; use an ASCII word such as "sales", or leave it out for the default "asset"."#
        )
        let undeclared = AssetError.undeclaredAsset(name: "orders", uri: "s3://lake/ordrs", dag: "report").description
        #expect(undeclared.hasPrefix("DAG 'report' schedules on asset 'orders' (s3://lake/ordrs)"))
        #expect(undeclared.contains("register(assets:)"))
        #expect(
            AssetError.undeclaredAsset(name: "a", uri: "a", dag: nil).description.hasPrefix("the event names asset 'a'")
        )
    }
}

/// A trigger that never fires: enough to attach a watcher to an asset.
private struct SilentTrigger: Trigger {
    func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> { AsyncThrowingStream { $0.finish() } }
    var description: String { "silent" }
}
