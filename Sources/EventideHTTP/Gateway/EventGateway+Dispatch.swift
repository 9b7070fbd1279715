import Eventide
import Foundation

/// Committing one prepared event where the routing table sends it, and rebuilding the first answer for a key
/// received before.
extension EventGateway {
    func dispatch(_ item: Prepared, from sender: String, delivery: String) async throws -> GatewayDisposition {
        var gateway: [String: JSONValue] = [
            "sender": .string(sender), "key": .string(item.key), "fingerprint": .string(item.fingerprint),
            "delivery": .string(delivery),
        ]
        switch routes.route(item.event, from: sender) {
        case .routed(let rule, let asset):
            gateway["rule"] = .string(rule)
            let recorded = try await scheduler.recordAssetEvent(
                asset, extra: Self.stored(item.event, gateway: gateway),
                source: assetEventSource(sender: sender, key: item.key))
            guard recorded.duplicate else {
                let routed = GatewayDisposition.Routed(
                    rule: rule, asset: asset, assetEventId: recorded.event.id, dags: recorded.queuedFor,
                    runs: recorded.createdRuns.sorted(by: Self.runOrder))
                return .routed(key: item.key, type: item.event.type, routed, replayed: false)
            }
            let first = try await replay(recorded.event, key: item.key)
            return Self.sameContent(recorded.event.extra["gateway"], item)
                ? first : .conflict(key: item.key, type: item.event.type, first: first)
        case .unroutable(let reason):
            gateway["unroutable"] = try Self.json(reason)
            let letter = try await deadLetters.add(
                source: deadLetterSource(of: sender), messageId: item.key,
                payload: .object(Self.stored(item.event, gateway: gateway)), reason: reason.description)
            let stored = letter.payload["gateway"]
            let replayed = stored?["delivery"]?.stringValue != delivery
            let firstReason = stored?["unroutable"].flatMap { try? Self.decode(UnroutableReason.self, $0) } ?? reason
            let first = GatewayDisposition.deadLettered(
                key: item.key, type: letter.payload["type"]?.stringValue ?? item.event.type,
                .init(deadLetterId: letter.id, reason: firstReason), replayed: replayed)
            return !replayed || Self.sameContent(stored, item)
                ? first : .conflict(key: item.key, type: item.event.type, first: first)
        }
    }

    /// The first answer for an event recorded earlier under the same key: its rule, asset and DAGs, and the runs
    /// that have consumed it since.
    func replay(_ event: AssetEvent, key: String) async throws -> GatewayDisposition {
        let dags = await scheduler.consumers(of: event.asset)
        var runs: [DagRunRef] = []
        for dag in dags {
            runs += try await scheduler.runs(of: dag).filter { $0.triggeringAssetEvents.contains { $0.id == event.id } }
                .map(\.ref)
        }
        let routed = GatewayDisposition.Routed(
            rule: event.extra["gateway"]?["rule"]?.stringValue ?? "", asset: event.asset, assetEventId: event.id,
            dags: dags, runs: runs.sorted(by: Self.runOrder))
        return .routed(key: key, type: event.extra["type"]?.stringValue ?? "", routed, replayed: true)
    }

    /// What is stored (asset event extra, dead-letter payload): the canonical event as a structured-mode
    /// CloudEvent, and under `gateway` the sender, key, content fingerprint, rule or reason.
    static func stored(_ event: EventEnvelope, gateway: [String: JSONValue]) -> [String: JSONValue] {
        var object = (try? JSONValue.parse(event.cloudEventJSON))?.objectValue ?? [:]
        object["gateway"] = .object(gateway)
        return object
    }

    static func sameContent(_ stored: JSONValue?, _ item: Prepared) -> Bool {
        stored?["fingerprint"]?.stringValue == item.fingerprint
    }

    static func runOrder(_ lhs: DagRunRef, _ rhs: DagRunRef) -> Bool { (lhs.dagId, lhs.runId) < (rhs.dagId, rhs.runId) }

    static func json(_ value: some Encodable) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ value: JSONValue) throws -> T {
        try JSONDecoder().decode(type, from: Data(value.jsonText.utf8))
    }
}
