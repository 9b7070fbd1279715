import Eventide
import Foundation
import HTTPTypes
import Hummingbird

/// An event ingestion layer over HTTP: senders post events in their own formats to `POST /events/{sender}`; the
/// gateway transforms each into the canonical `EventEnvelope`, derives its idempotency key, routes it with the
/// `RoutingTable` to an asset (the DAGs scheduled on it run) or, when no rule takes it, to the dead-letter queue
/// with the reason, and answers 202 with where each event went (`GatewayReceipt`) once it is committed.
///
/// ```swift
/// let gateway = try await EventGateway(
///     orchestrator: orchestrator,
///     senders: [GatewaySender("shop", format: .cloudEvents, key: .field("id"))],
///     routes: RoutingTable([RoutingRule("orders", types: ["order.placed"], to: orders)]))
/// try await EventideHTTPServer(components: [gateway]).withRunning { running in … }
/// ```
///
/// Routing records an asset event rather than triggering runs: the scheduler queues it for every DAG scheduled
/// on the asset and creates their runs in the same commit, a paused or busy DAG keeps it queued, and the event's
/// source message id (`<gateway>/<sender>/<key>`) makes a retry record nothing: `recordAssetEvent` returns the
/// first event, from which the first answer is rebuilt. Dead letters are keyed by the same key. Both survive a
/// restart: they are rows of the store.
public struct EventGateway: HTTPComponent {
    /// Names the gateway in the store: message ids and dead-letter sources start with it.
    public let name: String
    /// The route's first segment: `POST /<path>/{sender}`.
    public let path: String
    public let senders: [GatewaySender]
    public let routes: RoutingTable
    let scheduler: Scheduler
    let deadLetters: DeadLetterQueue
    private let byName: [String: GatewaySender]

    /// The response header of an answer that repeats an earlier one (every event had been received before).
    public static let replayedHeader = "Idempotent-Replayed"

    /// Checks the configuration against the scheduler's registered assets and DAGs (register them first).
    public init(
        name: String = "event_gateway", path: String = "events", scheduler: Scheduler,
        deadLetters: DeadLetterQueue, senders: [GatewaySender], routes: RoutingTable
    ) async throws(GatewayConfigurationError) {
        var byName: [String: GatewaySender] = [:]
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
        for sender in senders {
            guard !sender.name.isEmpty, sender.name.allSatisfy(allowed.contains) else {
                throw .invalidSenderName(sender.name)
            }
            guard byName[sender.name] == nil else { throw .duplicateSender(sender.name) }
            if case .header(let header) = sender.key, HTTPField.Name(header) == nil {
                throw .invalidHeaderName(sender: sender.name, header: header)
            }
            byName[sender.name] = sender
        }
        var ruleNames: Set<String> = []
        for rule in routes.rules {
            guard ruleNames.insert(rule.name).inserted else { throw .duplicateRule(rule.name) }
            if let unknown = rule.senders.sorted().first(where: { byName[$0] == nil }) {
                throw .unknownSender(rule: rule.name, sender: unknown)
            }
            guard await scheduler.asset(rule.destination) != nil else {
                throw .undeclaredDestination(rule: rule.name, asset: rule.destination.description)
            }
            guard await !scheduler.consumers(of: rule.destination).isEmpty else {
                throw .destinationWithoutConsumers(rule: rule.name, asset: rule.destination.description)
            }
        }
        self.name = name
        self.path = path
        self.senders = senders
        self.routes = routes
        self.scheduler = scheduler
        self.deadLetters = deadLetters
        self.byName = byName
    }

    /// A gateway over the orchestrator's scheduler and dead-letter queue.
    public init(
        name: String = "event_gateway", path: String = "events", orchestrator: Orchestrator,
        senders: [GatewaySender], routes: RoutingTable
    ) async throws(GatewayConfigurationError) {
        try await self.init(
            name: name, path: path, scheduler: orchestrator.scheduler, deadLetters: orchestrator.triggerer.deadLetters,
            senders: senders, routes: routes)
    }

    public func register(on router: Router<EventideRequestContext>) {
        router.post(RouterPath("\(path)/:sender")) { request, context in try await self.answer(request, context) }
    }

    /// The source of the asset event recorded for a sender's key: its message id is what deduplicates.
    public func assetEventSource(sender: String, key: String) -> AssetEventSource {
        .api(messageId: "\(name)/\(sender)/\(key)")
    }

    /// Where a sender's unroutable events are in the dead-letter queue (`DeadLetterQueue.list(source:)`); a
    /// dead letter's message id is the event's key.
    public func deadLetterSource(of sender: String) -> String { "\(name)/\(sender)" }

    func answer(_ request: Request, _ context: EventideRequestContext) async throws -> Response {
        let sender = try self.sender(context.parameters.get("sender") ?? "")  // 404 before reading the body
        let body = try await request.body.collect(upTo: context.maxUploadSize)  // 413 past the limit
        let receipt = try await ingest(sender: sender.name, headers: request.headers, body: body)
        var headers: HTTPFields = [.contentType: "application/json"]
        if receipt.replayed, let replayed = HTTPField.Name(Self.replayedHeader) { headers[replayed] = "true" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: .accepted, headers: headers, body: .init(byteBuffer: ByteBuffer(data: try encoder.encode(receipt))))
    }

    func sender(_ name: String) throws(GatewayRefusal) -> GatewaySender {
        guard let sender = byName[name] else { throw .unknownSender(name, known: senders.map(\.name)) }
        return sender
    }

    /// What `POST /events/{sender}` does, without HTTP: transforms and keys every event of the body (refusing the
    /// whole request, with nothing recorded, if any is invalid), then routes and commits each in order and
    /// returns where each went. Throws `GatewayRefusal` for a refused request; a single event whose key was used
    /// before with other content is refused as `keyReused` (in a batch, that event's fate is `.conflict`).
    public func ingest(sender name: String, headers: HTTPFields = [:], body: ByteBuffer) async throws -> GatewayReceipt
    {
        let sender = try self.sender(name)
        let json: JSONValue
        do {
            json = try JSONValue.parse(String(buffer: body))
        } catch {
            guard case .malformedJSON(_, let reason) = error else {
                throw GatewayRefusal.malformedJSON(reason: "\(error)")
            }
            throw GatewayRefusal.malformedJSON(reason: reason)
        }
        let prepared = try prepare(json, from: sender, headers: headers)
        let delivery = UUID().uuidString.lowercased()
        var dispositions: [GatewayDisposition] = []
        for event in prepared {
            dispositions.append(try await dispatch(event, from: sender.name, delivery: "\(delivery)#\(event.index)"))
        }
        if !sender.format.isBatch, let only = dispositions.first, only.fate == .conflict {
            throw GatewayRefusal.keyReused(key: only.key)
        }
        return GatewayReceipt(sender: sender.name, events: dispositions)
    }

    /// One event of a request, transformed and keyed, not yet routed.
    struct Prepared: Sendable {
        let index: Int
        let event: EventEnvelope
        let key: String
        /// SHA-256 of the event as the sender wrote it: a retry under the same key must carry the same content.
        let fingerprint: String
    }

    func prepare(_ body: JSONValue, from sender: GatewaySender, headers: HTTPFields) throws(GatewayRefusal)
        -> [Prepared]
    {
        let batch = sender.format.isBatch
        let elements: [JSONValue]
        do { elements = try sender.format.elements(of: body) } catch { throw .invalidEvent(error) }
        var prepared: [Prepared] = []
        for (index, element) in elements.enumerated() {
            let event: EventEnvelope
            do { event = try sender.format.event(from: element) } catch {
                throw .invalidEvent(error.at(index: batch ? index : nil))
            }
            let key = try sender.key.key(of: element, index: index, isBatch: batch, headers: headers)
            prepared.append(
                Prepared(
                    index: index, event: event, key: key, fingerprint: IdempotencyKeyRule.digest(element.jsonText)))
        }
        return prepared
    }
}
