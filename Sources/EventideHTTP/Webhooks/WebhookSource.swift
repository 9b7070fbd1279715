import Eventide

/// One sender of webhooks: its path (`POST /webhooks/<name>`), the asset its deliveries become events of, and
/// how a delivery is authenticated, bounded and identified.
///
/// ```swift
/// let github = try WebhookSource.github(
///     "github", asset: repoEvents.key, secrets: WebhookSecret.fromEnvironment("GITHUB_WEBHOOK_SECRETS"))
/// ```
public struct WebhookSource: Sendable {
    public let name: String
    public let asset: AssetKey
    public let scheme: WebhookSignatureScheme
    /// Any of them may have signed a delivery (rotation: the new one first).
    public var secrets: [WebhookSecret]
    /// How far a signed timestamp may be from the receiver's clock, either way (schemes with a timestamp).
    public var tolerance: Duration
    /// The largest body accepted, in bytes.
    public var bodyLimit: Int
    /// Where a delivery carries its id: a repeated id is a retry, answered with the first event.
    public var deliveryId: WebhookField
    /// Where a delivery says what happened (`push`, `payment_intent.succeeded`), if it does.
    public var eventType: WebhookField?
    /// Event type → the schema its payload's top-level fields must match; types not listed are accepted as
    /// they are.
    public var schemas: [String: ExtraSchema]

    public init(
        _ name: String, asset: AssetKey, scheme: WebhookSignatureScheme, secrets: [WebhookSecret],
        tolerance: Duration = .seconds(300), bodyLimit: Int = 1 << 20, deliveryId: WebhookField,
        eventType: WebhookField? = nil, schemas: [String: ExtraSchema] = [:]
    ) throws(WebhookConfigurationError) {
        guard !name.isEmpty, name.utf8.allSatisfy(Self.allowed.contains) else { throw .invalidSourceName(name) }
        guard !secrets.isEmpty else { throw .noSecrets(source: name) }
        guard bodyLimit > 0 else { throw .invalidBodyLimit(source: name, limit: bodyLimit) }
        try deliveryId.validate()
        try eventType?.validate()
        self.name = name
        self.asset = asset
        self.scheme = scheme
        self.secrets = secrets
        self.tolerance = tolerance
        self.bodyLimit = bodyLimit
        self.deliveryId = deliveryId
        self.eventType = eventType
        self.schemas = schemas
    }

    private static let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-".utf8)

    /// A GitHub webhook: signed with `X-Hub-Signature-256`, identified by `X-GitHub-Delivery`, typed by
    /// `X-GitHub-Event`.
    public static func github(
        _ name: String, asset: AssetKey, secrets: [WebhookSecret], bodyLimit: Int = 1 << 20,
        schemas: [String: ExtraSchema] = [:]
    ) throws(WebhookConfigurationError) -> WebhookSource {
        try WebhookSource(
            name, asset: asset, scheme: .github, secrets: secrets, bodyLimit: bodyLimit,
            deliveryId: .header("X-GitHub-Delivery"), eventType: .header("X-GitHub-Event"), schemas: schemas)
    }

    /// A Stripe webhook endpoint: signed with `Stripe-Signature` (timestamp within `tolerance`), identified by
    /// the event's `id`, typed by its `type`.
    public static func stripe(
        _ name: String, asset: AssetKey, secrets: [WebhookSecret], tolerance: Duration = .seconds(300),
        bodyLimit: Int = 1 << 20, schemas: [String: ExtraSchema] = [:]
    ) throws(WebhookConfigurationError) -> WebhookSource {
        try WebhookSource(
            name, asset: asset, scheme: .stripe, secrets: secrets, tolerance: tolerance, bodyLimit: bodyLimit,
            deliveryId: .payload("id"), eventType: .payload("type"), schemas: schemas)
    }
}
