import Eventide
import EventideHTTP

/// 117.3.4 — a webhook as an asset watcher: senders push signed deliveries to `POST /webhooks/<source>`, each
/// verified delivery becomes an asset event on the source's asset, and the DAGs scheduled on that asset run on it.
/// Nothing polls, and nothing is recorded for a delivery that is refused.
enum WebhookWatcher {
    // [START assets]
    /// One asset per sender: what it tells us about.
    struct Assets: Sendable {
        let repoEvents: Asset
        let payments: Asset

        init() throws {
            repoEvents = try Asset(uri: "webhook://github/acme/shop", name: "repo_events")
            payments = try Asset(uri: "webhook://stripe/acme", name: "payments")
        }
    }
    // [END assets]

    // [START receiver]
    /// What a build needs from a push; a push delivery without it is refused (422) before anything is recorded.
    static let pushSchema = ExtraSchema(
        name: "github_push", version: 1,
        fields: [.init("ref", .string), .init("after", .string), .init("repository", .object)])

    /// `POST /webhooks/github` and `/webhooks/stripe`: each source's asset, signature scheme and secrets (read
    /// from the environment: several, comma-separated, while rotating), body limit and timestamp tolerance.
    static func receiver(
        _ assets: Assets, scheduler: Scheduler, environment: [String: String], tolerance: Duration
    ) throws -> WebhookReceiver {
        try WebhookReceiver(
            scheduler: scheduler,
            sources: [
                .github(
                    "github", asset: assets.repoEvents.key,
                    secrets: WebhookSecret.fromEnvironment("GITHUB_WEBHOOK_SECRETS", environment: environment),
                    bodyLimit: 64 * 1024, schemas: ["push": pushSchema]),
                .stripe(
                    "stripe", asset: assets.payments.key,
                    secrets: WebhookSecret.fromEnvironment("STRIPE_WEBHOOK_SECRETS", environment: environment),
                    tolerance: tolerance, bodyLimit: 64 * 1024),
            ])
    }
    // [END receiver]

    // [START dags]
    /// One run per delivery (`.perEvent`): the task reads the delivery back from its triggering event's extra.
    static func consumer(
        _ dagId: String, on asset: Asset, reads: @escaping @Sendable (WebhookDelivery) -> JSONValue
    ) throws -> DAG {
        try DAG(
            dagId, schedule: .on([asset]), assetTriggering: .perEvent,
            tasks: [
                TaskDefinition("handle") { context in
                    let deliveries = context.triggeringEvents(of: asset).compactMap { WebhookDelivery(extra: $0.extra) }
                    return TaskOutput(value: .array(deliveries.map(reads)))
                }
            ])
    }

    static func dags(_ assets: Assets) throws -> [DAG] {
        [
            try consumer("build_on_push", on: assets.repoEvents) {
                ["delivery": .string($0.id), "ref": $0.payload["ref"] ?? .null]
            },
            try consumer("book_payment", on: assets.payments) {
                ["delivery": .string($0.id), "amount": $0.payload["data"]?["object"]?["amount"] ?? .null]
            },
        ]
    }
    // [END dags]
}
