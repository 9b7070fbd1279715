import Eventide
import EventideHTTP

/// 117.10.4 — GitHub-style webhook deliveries driving workflows: the repository's webhook posts to
/// `/webhooks/github`, each verified delivery is one asset event, a router DAG hands it to the workflow of its event
/// type (push → `ci_build`, pull_request → `pr_checks`), and a delivery GitHub sends again (same
/// `X-GitHub-Delivery`) is answered with the first event and runs nothing twice.
// Longer than one screen: the flow end to end is the pattern — the door (source, schemas, rotation), the router and
// the workflows — and each part is short; split, none of them shows how a delivery becomes a workflow run.
enum WebhookWorkflows {
    // [START assets]
    struct Assets: Sendable {
        /// Every delivery as it arrived; one asset per workflow; the alias the router emits through.
        let deliveries, pushes, pullRequests: Asset
        let route: AssetAlias

        init() throws {
            deliveries = try Asset(uri: "webhook://github/acme/shop", name: "github_deliveries")
            pushes = try Asset(uri: "github://acme/shop/push", name: "pushes")
            pullRequests = try Asset(uri: "github://acme/shop/pull_request", name: "pull_requests")
            route = try AssetAlias(name: "github_route")
        }

        /// Event type → the asset of the workflow that handles it; other types (`ping`, …) run no workflow.
        var routes: [String: Asset] { ["push": pushes, "pull_request": pullRequests] }
    }
    // [END assets]

    // [START receiver]
    static let secretVariable = "GITHUB_WEBHOOK_SECRETS"

    /// What each workflow reads; a delivery of these types without it is refused (422), nothing recorded.
    static let schemas: [String: ExtraSchema] = [
        "push": ExtraSchema(
            name: "push", version: 1,
            fields: [.init("ref", .string), .init("after", .string), .init("repository", .object)]),
        "pull_request": ExtraSchema(
            name: "pull_request", version: 1,
            fields: [.init("action", .string), .init("number", .integer), .init("pull_request", .object)]),
    ]

    static func receiver(_ assets: Assets, scheduler: Scheduler, environment: [String: String]) throws
        -> WebhookReceiver
    {
        try WebhookReceiver(
            scheduler: scheduler,
            sources: [
                .github(
                    "github", asset: assets.deliveries.key,
                    secrets: WebhookSecret.fromEnvironment(secretVariable, environment: environment),
                    schemas: schemas)
            ])
    }

    /// Rotation without a restart: read the variable again (the new secret first, the old one kept until every
    /// sender has switched, then dropped).
    static func reloadSecrets(of receiver: WebhookReceiver, environment: [String: String]) throws {
        try receiver.rotateSecrets(
            of: "github", to: WebhookSecret.fromEnvironment(secretVariable, environment: environment))
    }
    // [END receiver]

    // [START router]
    /// One run per delivery: hands it on to its event type's workflow through the alias, or is skipped.
    static func router(_ assets: Assets) throws -> DAG {
        try DAG(
            "route_github_event", schedule: .on([assets.deliveries]), assetTriggering: .perEvent,
            tasks: [
                TaskDefinition("route", aliasOutlets: [assets.route]) { context in
                    let routed = context.triggeringEvents(of: assets.deliveries).compactMap {
                        event -> TaskOutput.AliasEvent? in
                        guard let delivery = WebhookDelivery(extra: event.extra),
                            let target = delivery.eventType.flatMap({ assets.routes[$0] })
                        else { return nil }
                        return .init(
                            alias: assets.route, asset: target,
                            extra: ["delivery_id": .string(delivery.id), "payload": .object(delivery.payload)])
                    }
                    if routed.isEmpty { throw TaskSkipped("no workflow handles this event type") }
                    return TaskOutput(aliasEvents: routed)
                }
            ])
    }
    // [END router]

    // [START workflows]
    /// A workflow runs once per event the router handed it, on what it reads from the delivery's payload.
    static func workflow(_ dagId: String, on asset: Asset, reads: @escaping @Sendable (JSONValue) -> JSONValue) throws
        -> DAG
    {
        try DAG(
            dagId, schedule: .on([asset]), assetTriggering: .perEvent,
            tasks: [
                TaskDefinition("run") { context in
                    TaskOutput(
                        value: .array(
                            context.triggeringEvents(of: asset).map {
                                [
                                    "delivery": $0.extra["delivery_id"] ?? .null,
                                    "read": reads($0.extra["payload"] ?? .null),
                                ]
                            }))
                }
            ])
    }

    static func workflows(_ assets: Assets) throws -> [DAG] {
        [
            try workflow("ci_build", on: assets.pushes) {
                ["ref": $0["ref"] ?? .null, "commit": $0["after"] ?? .null]
            },
            try workflow("pr_checks", on: assets.pullRequests) {
                [
                    "number": $0["number"] ?? .null, "action": $0["action"] ?? .null,
                    "head": $0["pull_request"]?["head"]?["sha"] ?? .null,
                ]
            },
        ]
    }
    // [END workflows]
}
