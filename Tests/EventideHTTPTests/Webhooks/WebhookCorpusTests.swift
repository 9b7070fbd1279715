import Eventide
import Foundation
import Testing

@testable import EventideHTTP

/// The webhook fuzz targets' corpus (`Fuzz/corpus/webhook-*`, run by scripts/fuzz) as ordinary tests: the seeds
/// read as the header and body parsers should, and the parsers refuse what a sender may get wrong with typed errors.
@Suite("Webhook parsers and their fuzz corpus", .timeLimit(.minutes(1)))
struct WebhookCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz/corpus")

    static func input(_ target: String, _ name: String) throws -> String {
        String(
            decoding: try Data(contentsOf: root.appendingPathComponent(target).appendingPathComponent(name)),
            as: UTF8.self)
    }

    @Test("signature seeds: GitHub's header gives 32 bytes; Stripe's gives its timestamp and v1s, v0 ignored")
    func signatureSeeds() throws {
        #expect(try GitHubSignature.code(in: Self.input("webhook-signature", "seed-github.txt")).count == 32)
        let stripe = try StripeSignature(parsing: Self.input("webhook-signature", "seed-stripe.txt"))
        #expect(stripe.timestamp == 1_800_000_000)
        #expect(stripe.signatures == [[UInt8](repeating: 0x0f, count: 32)])
        let extreme = try StripeSignature(parsing: Self.input("webhook-signature", "seed-stripe-extreme-timestamp.txt"))
        #expect(extreme.timestamp == Int.min)
    }

    @Test(
        "headers a sender got wrong are typed errors naming the header",
        arguments: [
            "sha256=", "sha256=" + String(repeating: "a", count: 63), "sha1=" + String(repeating: "a", count: 40), "",
        ])
    func gitHubRefusals(value: String) {
        #expect(throws: MalformedSignatureHeader.self) { try GitHubSignature.code(in: value) }
    }

    @Test(
        "Stripe headers without t, without v1, with t beyond Int or a short v1 are refused",
        arguments: [
            "v1=" + String(repeating: "0", count: 64), "t=1",
            "t=99999999999999999999,v1=" + String(repeating: "0", count: 64),
            "t=1,v1=00", ",,,", "t=,v1=",
        ])
    func stripeRefusals(value: String) {
        #expect(throws: MalformedSignatureHeader.self) { try StripeSignature(parsing: value) }
    }

    @Test("body seeds read as objects; JSON that is not an object, or not JSON, is a typed refusal")
    func bodies() throws {
        let stripe = try WebhookPayload.object(from: Array(Self.input("webhook-body", "seed-stripe-event.txt").utf8))
        #expect(stripe["id"] == "evt_1")
        let push = try WebhookPayload.object(from: Array(Self.input("webhook-body", "seed-github-push.txt").utf8))
        #expect(push["ref"] == "refs/heads/main")
        let big = try WebhookPayload.object(
            from: Array(Self.input("webhook-body", "seed-integer-beyond-2-53.txt").utf8))
        let schema = ExtraSchema(name: "s", version: 1, fields: [.init("amount", .integer), .init("id", .string)])
        // 9007199254740993 reads as the double 2^53: not a safe integer, so `amount` is refused; `id` is no string.
        #expect(big["amount"] == .number(9_007_199_254_740_992))
        #expect(schema.violations(of: big).count == 2)
        #expect(throws: UnreadablePayload.notAnObject(found: "array")) {
            try WebhookPayload.object(from: Array("[1]".utf8))
        }
        let truncated = #expect(throws: UnreadablePayload.self) {
            try WebhookPayload.object(from: Array("{\"a\":".utf8))
        }
        guard case .malformedJSON? = truncated else {
            Issue.record("expected malformedJSON, got \(String(describing: truncated))")
            return
        }
    }

    @Test("a body nested past the parser's limit after a newline, and a body not UTF-8, are refused, not a crash")
    func deepAndInvalidBodies() throws {
        // Foundation's JSONDecoder trapped on this one while building its error (the fuzzer's find).
        let deep = try Data(
            contentsOf: Self.root.appendingPathComponent("webhook-body/crash-deep-nesting-after-newline"))
        #expect(deep.count > JSONValue.maximumNestingDepth)
        let nested = #expect(throws: UnreadablePayload.self) { try WebhookPayload.object(from: Array(deep)) }
        guard case .malformedJSON(let reason)? = nested else {
            Issue.record("expected malformedJSON, got \(String(describing: nested))")
            return
        }
        #expect(reason.contains("nesting deeper than 512"))
        #expect(throws: UnreadablePayload.malformedJSON(reason: "the body is not UTF-8 text")) {
            try WebhookPayload.object(from: [UInt8(ascii: "{"), 0xFF, UInt8(ascii: "}")])
        }
    }
}
