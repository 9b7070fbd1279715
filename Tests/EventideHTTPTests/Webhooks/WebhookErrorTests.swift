import Eventide
import EventideHTTP
import Testing

@Suite(.timeLimit(.minutes(1)))
struct WebhookErrorTests {
    @Test func eachRefusalMapsToItsStatus() throws {
        let asset = AssetKey(name: "a", uri: "webhook://a")
        let cases: [(WebhookError, Int)] = [
            (.unknownSource("gitlab"), 404),
            (.bodyTooLarge(limit: 10, declared: 11), 413),
            (.bodyTooLarge(limit: 10, declared: nil), 413),
            (.missingSignature(header: "X-Hub-Signature-256"), 401),
            (.malformedSignature(header: "Stripe-Signature", reason: "no t"), 401),
            (.signatureMismatch(header: "X-Hub-Signature-256"), 401),
            (.timestampOutsideTolerance(timestamp: 0, now: 301, toleranceSeconds: 300), 400),
            (.malformedJSON(reason: "Unexpected end of file"), 400),
            (.payloadNotAnObject(found: "array"), 400),
            (.missingDeliveryId(.header("X-GitHub-Delivery")), 400),
            (.payloadRejected(eventType: "push", violations: ["'ref' is missing"]), 422),
            (.assetNotDeclared(source: "github", asset: asset), 500),
        ]
        for (error, status) in cases {
            #expect(Int(error.status.code) == status, "\(error)")
            #expect(error.problem.status == error.status)
            #expect(!error.description.isEmpty)
        }
    }

    @Test func aProblemIsAirflowsDetailShape() {
        let plain = WebhookError.unknownSource("gitlab").problem
        #expect(plain.detail == .string(WebhookError.unknownSource("gitlab").description))
        let rejected = WebhookError.payloadRejected(eventType: "push", violations: ["one", "two"]).problem
        #expect(rejected.detail.arrayValue?.count == 2)
        #expect(rejected.detail.arrayValue?.first?["loc"] == ["body"])
        #expect(rejected.detail.arrayValue?.first?["type"] == "schema_violation")
    }

    @Test func sourcesAreValidatedWhenConfigured() throws {
        let asset = AssetKey(name: "a", uri: "webhook://a")
        let secret = WebhookSecret("s", label: "s")
        #expect(throws: WebhookConfigurationError.invalidSourceName("git/hub")) {
            try WebhookSource.github("git/hub", asset: asset, secrets: [secret])
        }
        #expect(throws: WebhookConfigurationError.invalidSourceName("")) {
            try WebhookSource.github("", asset: asset, secrets: [secret])
        }
        #expect(throws: WebhookConfigurationError.noSecrets(source: "github")) {
            try WebhookSource.github("github", asset: asset, secrets: [])
        }
        #expect(throws: WebhookConfigurationError.invalidBodyLimit(source: "github", limit: 0)) {
            try WebhookSource.github("github", asset: asset, secrets: [secret], bodyLimit: 0)
        }
        #expect(throws: WebhookConfigurationError.invalidHeaderName("X Delivery")) {
            try WebhookSource(
                "custom", asset: asset, scheme: .github, secrets: [secret], deliveryId: .header("X Delivery"))
        }
        let github = try WebhookSource.github("github", asset: asset, secrets: [secret])
        #expect(github.deliveryId == .header("X-GitHub-Delivery") && github.eventType == .header("X-GitHub-Event"))
        let stripe = try WebhookSource.stripe("stripe", asset: asset, secrets: [secret])
        #expect(stripe.deliveryId == .payload("id") && stripe.eventType == .payload("type"))
        #expect(stripe.tolerance == .seconds(300))
    }
}
