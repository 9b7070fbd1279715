import Eventide
import Foundation
import Hummingbird
import Synchronization

/// `POST /webhooks/{source}`: turns a signed delivery into an asset event on the source's asset — a webhook
/// watcher, pushed to instead of polling.
///
/// Each delivery goes through the same checks, in order, and is refused at the first that fails, with nothing
/// recorded: a known source (404), a body within the limit (413, by its Content-Length before a byte is read,
/// then while reading), a signature by one of the source's secrets (401), a timestamp within the tolerance
/// (400), a JSON object (400) with a delivery id (400) and, if the source has one, a payload matching its event
/// type's schema (422). The event is then recorded as the watcher `webhook:<source>` with the delivery id as
/// its message id — consumers queued and runs created in the same commit — and only then answered: `202` with
/// the event and the runs it created, or `200` with the first event when the delivery id was recorded before.
///
/// ```swift
/// let webhooks = try WebhookReceiver(scheduler: orchestrator.scheduler, sources: [github, stripe])
/// try await EventideHTTPServer(components: [webhooks]).withRunning { server in … }
/// ```
public final class WebhookReceiver: HTTPComponent {
    public let scheduler: Scheduler
    /// Measures signed timestamps against the tolerance (the scheduler's clock unless told otherwise).
    public let clock: EventideClock
    private let sources: Mutex<[String: WebhookSource]>

    public init(
        scheduler: Scheduler, sources: [WebhookSource], clock: EventideClock? = nil
    ) throws(WebhookConfigurationError) {
        var byName: [String: WebhookSource] = [:]
        for source in sources {
            guard byName.updateValue(source, forKey: source.name) == nil else {
                throw .duplicateSource(source.name)
            }
        }
        self.scheduler = scheduler
        self.clock = clock ?? scheduler.clock
        self.sources = Mutex(byName)
    }

    /// The watcher name a source's events are recorded under (their `AssetEventSource`).
    public static func watcherName(of source: String) -> String { "webhook:\(source)" }

    public var sourceNames: [String] { sources.withLock { $0.keys.sorted() } }

    /// Replaces a source's secrets while the server runs: rotate with `[new, old]`, then retire with `[new]`.
    public func rotateSecrets(of name: String, to secrets: [WebhookSecret]) throws(WebhookConfigurationError) {
        guard !secrets.isEmpty else { throw .noSecrets(source: name) }
        try sources.withLock { (sources) throws(WebhookConfigurationError) in
            guard sources[name] != nil else { throw .unknownSource(name) }
            sources[name]?.secrets = secrets
        }
    }

    public func register(on router: Router<EventideRequestContext>) {
        router.post("webhooks/:source") { request, context -> Response in
            let name = context.parameters.get("source") ?? ""
            do {
                return try await self.receive(source: name, headers: request.headers, body: request.body).response()
            } catch let error as WebhookError {
                context.logger.info(
                    "webhook refused",
                    metadata: ["source": "\(name)", "status": "\(error.status.code)", "reason": "\(error)"])
                throw error.problem
            }
        }
    }

    /// Checks a delivery and records its asset event; throws ``WebhookError`` for a refusal (nothing recorded)
    /// or the store's error. `body` is read only after the declared length passed, and only up to the limit.
    public func receive<Body: AsyncSequence>(
        source name: String, headers: HTTPFields, body: Body
    ) async throws -> WebhookReceipt where Body.Element == ByteBuffer {
        guard let source = sources.withLock({ $0[name] }) else { throw WebhookError.unknownSource(name) }
        if let declared = headers[.contentLength].flatMap({ Int($0) }), declared > source.bodyLimit {
            throw WebhookError.bodyTooLarge(limit: source.bodyLimit, declared: declared)
        }
        var bytes: [UInt8] = []
        for try await chunk in body {
            guard bytes.count + chunk.readableBytes <= source.bodyLimit else {
                throw WebhookError.bodyTooLarge(limit: source.bodyLimit, declared: nil)
            }
            bytes += chunk.readableBytesView
        }
        let secret = try source.scheme.verify(
            body: bytes, headers: headers, secrets: source.secrets, now: clock.date, tolerance: source.tolerance)
        let delivery = try WebhookDelivery(source: source, headers: headers, body: bytes, verifiedBy: secret)
        let recorded: Scheduler.Recorded
        do {
            recorded = try await scheduler.recordAssetEvent(
                source.asset, extra: delivery.extra,
                source: .watcher(name: Self.watcherName(of: source.name), messageId: delivery.id))
        } catch AssetError.undeclaredAsset {
            throw WebhookError.assetNotDeclared(source: source.name, asset: source.asset)
        }
        return WebhookReceipt(source: source.name, deliveryId: delivery.id, recorded: recorded)
    }
}
