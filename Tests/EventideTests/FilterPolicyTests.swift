import Eventide
import Testing

@Suite("Filter policies (SNS syntax) on attributes and bodies", .timeLimit(.minutes(3)))
struct FilterPolicyTests {
    func attributes(_ json: String) throws -> FilterPolicy { try FilterPolicy(json: json) }
    func body(_ json: String) throws -> FilterPolicy { try FilterPolicy(json: json, scope: .messageBody) }

    @Test("keys are ANDed, a key's conditions ORed; exact strings and numbers, missing keys do not match")
    func andOr() throws {
        let policy = try attributes(#"{"type": ["order.placed", "order.paid"], "region": ["eu"]}"#)
        #expect(policy.matches(attributes: ["type": "order.paid", "region": "eu"], body: nil))
        #expect(!policy.matches(attributes: ["type": "order.paid", "region": "us"], body: nil))
        #expect(!policy.matches(attributes: ["type": "order.cancelled", "region": "eu"], body: nil))
        #expect(!policy.matches(attributes: ["type": "order.paid"], body: nil), "region missing")
        #expect(
            try attributes(#"{"priority": [1]}"#).matches(attributes: ["priority": "1.0"], body: nil),
            "attribute strings compare as numbers for a number condition")
    }

    @Test("prefix, suffix, equals-ignore-case, anything-but, numeric ranges and exists")
    func operators() throws {
        let attrs = { (policy: String, values: [String: String]) throws -> Bool in
            try self.attributes(policy).matches(attributes: values, body: nil)
        }
        #expect(try attrs(#"{"region": [{"prefix": "eu-"}]}"#, ["region": "eu-west-1"]))
        #expect(try !attrs(#"{"region": [{"prefix": "eu-"}]}"#, ["region": "us-east-1"]))
        #expect(try attrs(#"{"key": [{"suffix": ".csv"}]}"#, ["key": "a/b.csv"]))
        #expect(try attrs(#"{"type": [{"equals-ignore-case": "ORDER.PLACED"}]}"#, ["type": "order.placed"]))
        #expect(try !attrs(#"{"type": [{"anything-but": ["test", "debug"]}]}"#, ["type": "test"]))
        #expect(try attrs(#"{"type": [{"anything-but": ["test", "debug"]}]}"#, ["type": "order.placed"]))
        #expect(try !attrs(#"{"type": [{"anything-but": {"prefix": "internal."}}]}"#, ["type": "internal.audit"]))
        #expect(try attrs(#"{"amount": [{"numeric": [">", 0, "<=", 100]}]}"#, ["amount": "100"]))
        #expect(try !attrs(#"{"amount": [{"numeric": [">", 0, "<=", 100]}]}"#, ["amount": "100.5"]))
        #expect(try !attrs(#"{"amount": [{"numeric": [">", 0]}]}"#, ["amount": "lots"]), "not a number: no match")
        #expect(try attrs(#"{"trace": [{"exists": false}]}"#, [:]))
        #expect(try !attrs(#"{"trace": [{"exists": true}]}"#, [:]))
    }

    @Test(
        "a body policy matches nested objects and any element of an array; a body that is not an object never matches")
    func bodyScope() throws {
        let policy = try body(#"{"order": {"status": ["paid"], "total": [{"numeric": [">=", 50]}]}, "tags": ["vip"]}"#)
        #expect(
            policy.matches(attributes: [:], body: ["order": ["status": "paid", "total": 80], "tags": ["new", "vip"]]))
        #expect(!policy.matches(attributes: [:], body: ["order": ["status": "paid", "total": 20], "tags": ["vip"]]))
        #expect(
            !policy.matches(attributes: [:], body: ["order": "paid", "tags": ["vip"]]), "not nested as the policy says")
        #expect(!policy.matches(attributes: [:], body: .string("plain text")))
        #expect(!policy.matches(attributes: [:], body: nil))
        #expect(
            !policy.matches(attributes: ["order": "x"], body: ["tags": ["vip"]]), "a body policy ignores attributes")
    }

    @Test(
        "a policy that cannot be used is refused with the key and the reason",
        arguments: [
            (#"{}"#, ""), (#"{"type": "order"}"#, "type"), (#"{"type": []}"#, "type"),
            (#"{"a": [{"prefix": 1}]}"#, "a"), (#"{"a": [{"numeric": [">", "x"]}]}"#, "a"),
            (#"{"a": [{"numeric": [">"]}]}"#, "a"), (#"{"a": [{"bogus": 1}]}"#, "a"), (#"{"a": [true]}"#, "a"),
            (#"{"a": {"b": ["x"]}}"#, "a"), (#"not json"#, ""),
        ])
    func refuses(policy: String, path: String) {
        #expect {
            _ = try FilterPolicy(json: policy)
        } throws: { error in
            if case .invalid(let at, _) = error as? FilterPolicyError { at == path } else { false }
        }
    }
}
