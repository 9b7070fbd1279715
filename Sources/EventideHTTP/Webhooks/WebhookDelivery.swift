import Eventide
import Foundation
import Hummingbird

/// A delivery whose signature was verified: who sent it, its id and event type, and its JSON payload.
///
/// Its asset event's `extra` follows Airflow's shape for events a trigger produced, `{"from_trigger": true,
/// "payload": …}`, with the delivery's attributes beside it, so a consumer DAG reads what it needs without
/// knowing the sender's headers: `WebhookDelivery(extra: event.extra)?.payload["ref"]`.
public struct WebhookDelivery: Sendable, Hashable {
    public let source: String
    public let id: String
    public let eventType: String?
    public let payload: [String: JSONValue]
    /// The label of the secret that verified the signature (never the secret).
    public let verifiedBy: String

    public init(
        source: String, id: String, eventType: String?, payload: [String: JSONValue], verifiedBy: String
    ) {
        self.source = source
        self.id = id
        self.eventType = eventType
        self.payload = payload
        self.verifiedBy = verifiedBy
    }

    /// Reads a verified body: JSON, an object, with its id where the source says, and matching the schema of
    /// its event type if the source has one.
    init(
        source: WebhookSource, headers: HTTPFields, body: [UInt8], verifiedBy secret: WebhookSecret
    ) throws(WebhookError) {
        let payload: [String: JSONValue]
        do { payload = try WebhookPayload.object(from: body) } catch { throw WebhookError(error) }
        guard let id = source.deliveryId.value(headers: headers, payload: payload) else {
            throw .missingDeliveryId(source.deliveryId)
        }
        let eventType = source.eventType?.value(headers: headers, payload: payload)
        if let eventType, let schema = source.schemas[eventType] {
            let violations = schema.violations(of: payload)
            guard violations.isEmpty else { throw .payloadRejected(eventType: eventType, violations: violations) }
        }
        self.init(source: source.name, id: id, eventType: eventType, payload: payload, verifiedBy: secret.label)
    }

    /// The delivery an asset event was recorded from, or `nil` when the event did not come from a webhook.
    public init?(extra: [String: JSONValue]) {
        guard extra["from_trigger"] == true, case .object(let payload)? = extra["payload"],
            let source = extra["source"]?.stringValue, let id = extra["delivery_id"]?.stringValue
        else { return nil }
        self.init(
            source: source, id: id, eventType: extra["event_type"]?.stringValue, payload: payload,
            verifiedBy: extra["verified_by"]?.stringValue ?? "")
    }

    /// The asset event's `extra`.
    public var extra: [String: JSONValue] {
        [
            "from_trigger": true, "payload": .object(payload), "source": .string(source), "delivery_id": .string(id),
            "event_type": eventType.map(JSONValue.string) ?? .null, "verified_by": .string(verifiedBy),
        ]
    }
}
