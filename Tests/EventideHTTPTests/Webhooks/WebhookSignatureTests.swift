import Eventide
import Foundation
import HTTPTypes
import Testing

@testable import EventideHTTP

@Suite(.timeLimit(.minutes(1)))
struct WebhookSignatureTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    func headers(_ fields: [(String, String)]) throws -> HTTPFields {
        var headers = HTTPFields()
        for (name, value) in fields { headers[try #require(HTTPField.Name(name))] = value }
        return headers
    }

    func verify(
        _ scheme: WebhookSignatureScheme, _ body: String, _ fields: [(String, String)], secrets: [WebhookSecret],
        now: Date = now, tolerance: Duration = .seconds(300)
    ) throws -> WebhookSecret {
        try scheme.verify(
            body: Array(body.utf8), headers: headers(fields), secrets: secrets, now: now, tolerance: tolerance)
    }

    @Test func githubSignsAsGitHubDocumentsIt() {
        // The example in GitHub's "Validating webhook deliveries".
        let secret = WebhookSecret("It's a Secret to Everybody", label: "docs")
        let header = WebhookSignatureScheme.github.signatureHeader(
            body: Array("Hello, World!".utf8), secrets: [secret], at: Self.now)
        #expect(header.0 == "X-Hub-Signature-256")
        #expect(header.1 == "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
    }

    @Test func stripeSignsTheTimestampDotBody() {
        // Computed independently: hmac.new(b"whsec_test_secret", b"1800000000.<body>", sha256) in Python.
        let body = #"{"id":"evt_1","type":"payment_intent.succeeded"}"#
        let header = WebhookSignatureScheme.stripe.signatureHeader(
            body: Array(body.utf8), secrets: [WebhookSecret("whsec_test_secret", label: "s")], at: Self.now)
        #expect(header.0 == "Stripe-Signature")
        #expect(header.1 == "t=1800000000,v1=334f9dbfd609cf6c38f112f028756732c80faa7fdbeab117549d6303a5dcf896")
    }

    @Test func anyOfTheRotatedSecretsVerifiesAndIsNamed() throws {
        let new = WebhookSecret("new", label: "new"), old = WebhookSecret("old", label: "old")
        let body = #"{"a":1}"#
        for signer in [new, old] {
            let header = WebhookSignatureScheme.github.signatureHeader(
                body: Array(body.utf8), secrets: [signer], at: Self.now)
            #expect(try verify(.github, body, [header], secrets: [new, old]).label == signer.label)
        }
        let stale = WebhookSignatureScheme.github.signatureHeader(body: Array(body.utf8), secrets: [old], at: Self.now)
        #expect(throws: WebhookError.signatureMismatch(header: "X-Hub-Signature-256")) {
            try verify(.github, body, [stale], secrets: [new])
        }
    }

    @Test func githubRefusesMissingMalformedAndChangedSignatures() throws {
        let secret = WebhookSecret("s", label: "s")
        let body = #"{"a":1}"#
        let signed = WebhookSignatureScheme.github.signatureHeader(
            body: Array(body.utf8), secrets: [secret], at: Self.now)
        #expect(throws: WebhookError.missingSignature(header: "X-Hub-Signature-256")) {
            try verify(.github, body, [], secrets: [secret])
        }
        let prefixed = #expect(throws: WebhookError.self) {
            try verify(.github, body, [("X-Hub-Signature-256", "sha1=00")], secrets: [secret])
        }
        guard case .malformedSignature(header: "X-Hub-Signature-256", _)? = prefixed else {
            Issue.record("expected malformedSignature, got \(String(describing: prefixed))")
            return
        }
        #expect(prefixed?.status == .unauthorized)
        #expect(throws: WebhookError.self) {
            try verify(.github, body, [("X-Hub-Signature-256", "sha256=zz")], secrets: [secret])
        }
        // One byte of the body changed: the signature no longer matches.
        #expect(throws: WebhookError.signatureMismatch(header: "X-Hub-Signature-256")) {
            try verify(.github, #"{"a":2}"#, [signed], secrets: [secret])
        }
        // Upper-case hex is the same signature.
        #expect(
            try verify(
                .github, body, [(signed.0, signed.1.uppercased().replacing("SHA256=", with: "sha256="))],
                secrets: [secret]
            ).label == "s")
    }

    @Test func stripeAcceptsAnyOfSeveralV1sAndIgnoresOtherSchemes() throws {
        let new = WebhookSecret("new", label: "new"), old = WebhookSecret("old", label: "old")
        let body = #"{"id":"evt_2"}"#
        // Stripe signs with every active secret while one is rolled: a receiver that knows only one accepts.
        let both = WebhookSignatureScheme.stripe.signatureHeader(
            body: Array(body.utf8), secrets: [new, old], at: Self.now)
        #expect(both.1.split(separator: ",").count == 3)
        #expect(try verify(.stripe, body, [both], secrets: [old]).label == "old")
        #expect(try verify(.stripe, body, [(both.0, "v0=abcd," + both.1)], secrets: [new]).label == "new")
    }

    @Test func stripeRefusesHeadersItCannotRead() {
        let secret = WebhookSecret("s", label: "s")
        for value in ["v1=" + String(repeating: "0", count: 64), "t=1800000000", "t=soon,v1=00", "t=1800000000,v1=xyz"]
        {
            let error = #expect(throws: WebhookError.self) {
                try verify(.stripe, "{}", [("Stripe-Signature", value)], secrets: [secret])
            }
            guard case .malformedSignature(header: "Stripe-Signature", _)? = error else {
                Issue.record("\(value): expected malformedSignature, got \(String(describing: error))")
                continue
            }
        }
    }

    @Test func stripeToleranceEdgesBothWays() throws {
        let secret = WebhookSecret("s", label: "s")
        let body = #"{"id":"evt_3"}"#
        func signed(_ offset: TimeInterval) -> (String, String) {
            WebhookSignatureScheme.stripe.signatureHeader(
                body: Array(body.utf8), secrets: [secret], at: Self.now.addingTimeInterval(offset))
        }
        for offset in [-300.0, 0, 300] {
            #expect(try verify(.stripe, body, [signed(offset)], secrets: [secret]).label == "s")
        }
        #expect(
            throws: WebhookError.timestampOutsideTolerance(
                timestamp: 1_799_999_699, now: 1_800_000_000, toleranceSeconds: 300)
        ) {
            try verify(.stripe, body, [signed(-301)], secrets: [secret])
        }
        #expect(
            throws: WebhookError.timestampOutsideTolerance(
                timestamp: 1_800_000_301, now: 1_800_000_000, toleranceSeconds: 300)
        ) {
            try verify(.stripe, body, [signed(301)], secrets: [secret])
        }
        // Extreme timestamps, correctly signed, are refused without overflowing.
        for extreme in [Int.min, Int.max] {
            let value = StripeSignature.value(timestamp: extreme, body: Array(body.utf8), secrets: [secret])
            let refused = #expect(throws: WebhookError.self) {
                try verify(.stripe, body, [("Stripe-Signature", value)], secrets: [secret])
            }
            #expect(
                refused == .timestampOutsideTolerance(timestamp: extreme, now: 1_800_000_000, toleranceSeconds: 300))
            #expect(refused?.description.isEmpty == false)
        }
        // The signature is checked first: a stale delivery with a wrong signature is a 401, not a 400.
        #expect(throws: WebhookError.signatureMismatch(header: "Stripe-Signature")) {
            try verify(.stripe, body, [signed(-301)], secrets: [WebhookSecret("other", label: "o")])
        }
    }

    @Test func aSecretNeverShowsItsValue() throws {
        let secret = WebhookSecret("hunter2-very-secret", label: "GITHUB_WEBHOOK_SECRETS#1")
        var dumped = ""
        dump(secret, to: &dumped)
        for text in [secret.description, secret.debugDescription, "\(secret)", String(reflecting: secret), dumped] {
            #expect(!text.contains("hunter2"))
            #expect(text.contains("GITHUB_WEBHOOK_SECRETS#1"))
        }
    }

    @Test func secretsComeFromTheEnvironmentCurrentFirst() throws {
        let secrets = try WebhookSecret.fromEnvironment("HOOK_SECRETS", environment: ["HOOK_SECRETS": "new, old,"])
        #expect(secrets.map(\.label) == ["HOOK_SECRETS#1", "HOOK_SECRETS#2"])
        let body = Array("x".utf8)
        #expect(
            secrets[0].authenticationCode(for: body) == WebhookSecret("new", label: "").authenticationCode(for: body))
        #expect(
            secrets[1].authenticationCode(for: body) == WebhookSecret("old", label: "").authenticationCode(for: body))
        #expect(throws: WebhookConfigurationError.missingSecret(variable: "HOOK_SECRETS")) {
            try WebhookSecret.fromEnvironment("HOOK_SECRETS", environment: ["HOOK_SECRETS": " , "])
        }
        #expect(throws: WebhookConfigurationError.missingSecret(variable: "HOOK_SECRETS")) {
            try WebhookSecret.fromEnvironment("HOOK_SECRETS", environment: [:])
        }
    }

    @Test func hexRoundTripsAndRefusesNonHex() {
        let bytes: [UInt8] = [0, 1, 0x7f, 0x80, 0xff]
        #expect(Hex.encode(bytes) == "00017f80ff")
        #expect(Hex.decode("00017F80ff") == bytes)
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("0g") == nil)
    }
}
