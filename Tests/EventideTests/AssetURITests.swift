import Foundation
import Testing

@testable import Eventide

@Suite("Asset URI normalisation and refusals", .timeLimit(.minutes(3)))
struct AssetURITests {
    func normalised(_ raw: String) throws -> String { try AssetURI.normalise(raw).uri }

    // MARK: Normalisation rules

    @Test(
        "the scheme is lower-cased",
        arguments: [
            ("S3://bucket/key", "s3://bucket/key"),
            ("Postgres+Psycopg2://db/orders", "postgres+psycopg2://db/orders"),
            ("FILE:///data/orders.csv", "file:///data/orders.csv"),
        ])
    func schemeLowerCased(input: String, expected: String) throws {
        #expect(try normalised(input) == expected)
    }

    @Test(
        "the host is lower-cased; the user and the path keep their case",
        arguments: [
            ("s3://Bucket.Example/Key/Daily.CSV", "s3://bucket.example/Key/Daily.CSV"),
            ("s3://Etl@Warehouse/Orders", "s3://Etl@warehouse/Orders"),
            ("http://[ABCD::1]:8080/x", "http://[abcd::1]:8080/x"),
            ("postgres://DB.Example:5432/Sales", "postgres://db.example:5432/Sales"),
        ])
    func hostLowerCased(input: String, expected: String) throws {
        #expect(try normalised(input) == expected)
    }

    @Test(
        "the fragment is dropped",
        arguments: [
            ("s3://bucket/key#latest", "s3://bucket/key"),
            ("s3://bucket/key?a=1#frag", "s3://bucket/key?a=1"),
            ("s3://bucket/key#", "s3://bucket/key"),
        ])
    func fragmentDropped(input: String, expected: String) throws {
        #expect(try normalised(input) == expected)
    }

    @Test(
        "query parameters are sorted by name, then value, as percent-encoded bytes",
        arguments: [
            ("s3://b/k?b=2&a=1&a=0", "s3://b/k?a=0&a=1&b=2"),
            (
                "s3://warehouse/orders/totals?region=eu&currency=EUR",
                "s3://warehouse/orders/totals?currency=EUR&region=eu"
            ),
            ("s3://b/k?b=1&B=2", "s3://b/k?B=2&b=1"),
            ("s3://b/k?q=%2F&p=a%20b", "s3://b/k?p=a%20b&q=%2F"),
            ("s3://b/k?x=b=c&x=a", "s3://b/k?x=a&x=b=c"),
        ])
    func querySorted(input: String, expected: String) throws {
        #expect(try normalised(input) == expected)
    }

    @Test(
        "a parameter without '=' sorts before the same name with a value; empty parameters and queries vanish",
        arguments: [
            ("s3://b/k?flag=x&flag&a", "s3://b/k?a&flag&flag=x"),
            ("s3://b/k?flag=&flag", "s3://b/k?flag&flag="),
            ("s3://b/k?&b=1&&a=2&", "s3://b/k?a=2&b=1"),
            ("s3://b/k?", "s3://b/k"),
            ("s3://b/k?&&", "s3://b/k"),
        ])
    func queryEdges(input: String, expected: String) throws {
        #expect(try normalised(input) == expected)
    }

    @Test(
        "every trailing '/' of the path is dropped and an empty path becomes '/'",
        arguments: [
            ("file:///data/landing/", "file:///data/landing"),
            ("file:///data/landing//", "file:///data/landing"),
            ("s3://b/k/?x=1", "s3://b/k?x=1"),
            ("s3://bucket/", "s3://bucket/"),
            ("s3://bucket", "s3://bucket/"),
            ("s3://bucket?x=1", "s3://bucket/?x=1"),
            ("postgres://db.example:5432", "postgres://db.example:5432/"),
            ("file:///", "file:///"),
            ("file://", "file:///"),
            ("s3://b//k", "s3://b//k"),
        ])
    func trailingSlash(input: String, expected: String) throws {
        #expect(try normalised(input) == expected)
    }

    @Test("a password in the user info is dropped with a warning; the user stays")
    func passwordDropped() throws {
        let result = try AssetURI.normalise("s3://etl:secret@warehouse/orders/archive")
        #expect(result.uri == "s3://etl@warehouse/orders/archive")
        #expect(result.warnings == [AssetURI.passwordDropped])
        #expect(result.warnings[0].contains("password in the URI's user info was dropped"))
    }

    @Test("a password without a user drops the whole user info, with a warning")
    func passwordWithoutUser() throws {
        let result = try AssetURI.normalise("s3://:secret@warehouse/x")
        #expect(result.uri == "s3://warehouse/x")
        #expect(result.warnings == [AssetURI.passwordDropped])
    }

    @Test(
        "an empty password or an empty user info is dropped without a warning",
        arguments: [
            ("s3://etl:@warehouse/x", "s3://etl@warehouse/x"),
            ("s3://@warehouse/x", "s3://warehouse/x"),
            ("s3://:@warehouse/x", "s3://warehouse/x"),
        ])
    func emptyUserInfo(input: String, expected: String) throws {
        let result = try AssetURI.normalise(input)
        #expect(result.uri == expected)
        #expect(result.warnings.isEmpty)
    }

    @Test("a URI without anything to normalise has no warnings")
    func noWarnings() throws {
        #expect(try AssetURI.normalise("s3://etl@warehouse/x").warnings.isEmpty)
    }

    @Test(
        "ports, percent-encodings and the path's case are kept as written",
        arguments: [
            "s3://b:9000/a%2fb/A%2Fc",
            "postgres://db:5432/sales",
            "s3://b:/x",
            "urn+x-foo://host/%7Bid%7D",
        ])
    func keptAsWritten(input: String) throws {
        #expect(try normalised(input) == input)
    }

    @Test(
        "normalising a normalised URI gives it back unchanged",
        arguments: [
            "S3://Bucket/Key/", "s3://b/k?b=2&a=1#f", "s3://etl:secret@Warehouse/x", "s3://bucket", "file:///data//",
            "s3://b/k?flag=x&flag&&a", "http://[ABCD::1]:8080", "s3://@b/k?",
        ])
    func idempotent(input: String) throws {
        let once = try normalised(input)
        #expect(try normalised(once) == once)
    }

    @Test(
        "every normalised URI is one Foundation parses and prints back unchanged",
        arguments: [
            "S3://Bucket/Key/", "s3://b/k?b=2&a=1#f", "s3://etl:secret@Warehouse/x", "http://[ABCD::1]:8080",
            "file:///data/landing/", "s3://b/k?p=a%20b&q=%2F", "postgres+psycopg2://u@db:5432/x;y=1",
        ])
    func foundationAgrees(input: String) throws {
        let uri = try normalised(input)
        let components = try #require(URLComponents(string: uri))
        #expect(components.string == uri)
        #expect(URL(string: uri) != nil)
    }

    @Test("two spellings of one location normalise to one URI")
    func spellingsCollapse() throws {
        let spellings = [
            "S3://Warehouse/orders/daily/", "s3://warehouse/orders/daily", "s3://WAREHOUSE/orders/daily//",
            "s3://warehouse/orders/daily#v2",
        ]
        #expect(Set(try spellings.map(normalised)) == ["s3://warehouse/orders/daily"])
    }

    // MARK: Refusals

    @Test("a blank URI is refused as empty", arguments: ["", "   ", "\n\t", "\u{00A0}"])
    func blankRefused(input: String) {
        #expect(throws: AssetError.emptyURI) { try AssetURI.normalise(input) }
    }

    @Test(
        "whitespace anywhere in a URI is refused",
        arguments: [
            "s3://bucket/my file", " s3://b/k", "s3://b/k\n", "s3://b/k?a=1\t", "s3://b/k#a b",
        ])
    func whitespaceRefused(input: String) {
        #expect(throws: AssetError.whitespaceInURI(input)) { try AssetURI.normalise(input) }
    }

    @Test("non-ASCII characters are refused", arguments: ["s3://bücket/k", "s3://b/ordres-été", "s3://b/📦"])
    func nonASCIIRefused(input: String) {
        #expect(throws: AssetError.nonASCIIURI(input)) { try AssetURI.normalise(input) }
    }

    @Test("URIs over 1,500 characters are refused with their length; 1,500 are accepted")
    func lengthLimit() throws {
        let atLimit = "s3://b/" + String(repeating: "k", count: 1_500 - 7)
        #expect(try normalised(atLimit) == atLimit)
        let over = atLimit + "k"
        #expect(throws: AssetError.tooLong(field: "URI", length: 1_501)) { try AssetURI.normalise(over) }
    }

    @Test(
        "a URI without 'scheme://' is refused as missing a scheme",
        arguments: [
            "orders.csv", "/data/orders.csv", "://bucket/x", "orders.csv?next=s3://x", "s3:/bucket/x",
            "mailto:a@b.example",
            "data/2026/orders.csv",
        ])
    func missingSchemeRefused(input: String) {
        #expect(throws: AssetError.missingScheme(input)) { try AssetURI.normalise(input) }
    }

    @Test(
        "the scheme 'airflow' is reserved, in any case",
        arguments: ["airflow://orders", "AIRFLOW://x", "Airflow://x/y"])
    func reservedScheme(input: String) {
        #expect(throws: AssetError.reservedScheme(input)) { try AssetURI.normalise(input) }
    }

    @Test(
        "URIs that break RFC 3986 are refused with the part and the fix",
        arguments: [
            ("3s://x/y", "the scheme '3s' must start with a letter"),
            ("s_3://x/y", "the scheme 's_3' must start with a letter"),
            ("s3://b/a%zz", "'%zz' in the path is not a percent-encoding"),
            ("s3://b/a%2", "'%2' in the path is not a percent-encoding"),
            ("s3://b/k?x=%G1", "'%G1' in the query is not a percent-encoding"),
            ("s3://b/{ds}", "the path contains '{', which a URI cannot hold there; percent-encode it as %7B"),
            ("s3://b/a|b", "percent-encode it as %7C"),
            ("s3://b/k?x=\"q\"", "the query contains '\"'"),
            ("s3://b/data[1].csv", "the path contains '['"),
            ("s3://b/k#a#b", "the fragment contains '#'"),
            ("s3://b\\x/y", "the host contains '\\'"),
            ("s3://a@b@c/x", "the user info contains '@', which a URI cannot hold there; percent-encode it as %40"),
            ("s3://b/\u{7}", "the control character U+0007"),
            ("s3://host:abc/x", "the port 'abc' is not a number"),
            ("s3://host:99999/x", "the port 99999 is out of range"),
            ("s3://[::1/x", "the IPv6 host '[::1' is missing its closing ']'"),
            ("s3://[::1]x/y", "'x' follows the IPv6 host"),
            ("s3://[::g%]/y", "in the IPv6 host is not a percent-encoding"),
        ])
    func invalidSyntax(input: String, reason: String) throws {
        let error = try #require(throws: AssetError.self) { try AssetURI.normalise(input) }
        guard case .invalidURI(let uri, let actual) = error else {
            Issue.record("expected invalidURI, got \(error)")
            return
        }
        #expect(uri == input)
        #expect(actual.contains(reason), "\(actual)")
    }

    // MARK: Descriptions

    @Test("a missing scheme's message suggests file:// and s3:// spellings of the same path")
    func missingSchemeMessage() {
        #expect(
            AssetError.missingScheme("orders.csv").description
                == #"asset URI "orders.csv" has no scheme; write e.g. "file:///data/orders.csv" or "s3://bucket/orders.csv"."#
        )
        let absolute = AssetError.missingScheme("/data/orders.csv").description
        #expect(
            absolute.contains(#""file:///data/orders.csv""#) && absolute.contains(#""s3://bucket/data/orders.csv""#))
    }

    @Test("URI refusal messages say what is wrong and how to fix it")
    func refusalMessages() {
        #expect(AssetError.emptyURI.description.contains("s3://bucket/orders.csv"))
        #expect(AssetError.whitespaceInURI("s3://b/a b").description.contains("%20"))
        #expect(AssetError.nonASCIIURI("s3://b/ü").description.contains("percent-encode"))
        #expect(
            AssetError.tooLong(field: "URI", length: 1_501).description
                .hasPrefix("asset URI is 1501 characters long; at most 1500 are allowed"))
        #expect(AssetError.reservedScheme("airflow://x").description.contains("'airflow', which is reserved"))
        #expect(
            AssetError.invalidURI("s3://b/{x}", reason: "r").description
                == #"asset URI "s3://b/{x}" is not a valid URI: r."#)
    }
}
