import Eventide

/// One line of the gateway's routing table: which events (senders, event types, filter policies over the event)
/// go to which asset. The DAGs scheduled on that asset are the event's destinations; the scheduler queues the
/// event for each of them and creates their runs in the commit that records it.
///
/// ```swift
/// RoutingRule("large_orders", from: ["shop"], types: ["order.placed"],
///             where: [try FilterPolicy(json: #"{"total": [{"numeric": [">=", 1000]}]}"#, scope: .messageBody)],
///             to: reviewQueue)
/// ```
public struct RoutingRule: Sendable {
    public let name: String
    /// Senders it applies to; empty: every sender.
    public let senders: Set<String>
    /// Canonical event types it applies to; empty: every type.
    public let types: Set<String>
    /// Content predicates, all of which must hold: a `.messageBody` policy looks at the event's `data`, a
    /// `.messageAttributes` policy at its attributes `type`, `source`, `subject` and `sender`.
    public let filters: [FilterPolicy]
    public let destination: AssetKey

    public init(
        _ name: String, from senders: Set<String> = [], types: Set<String> = [], where filters: [FilterPolicy] = [],
        to destination: Asset
    ) {
        self.name = name
        self.senders = senders
        self.types = types
        self.filters = filters
        self.destination = destination.key
    }

    /// Whether the rule applies to the sender and the type (before looking at the content).
    func selects(_ event: EventEnvelope, from sender: String) -> Bool {
        (senders.isEmpty || senders.contains(sender)) && (types.isEmpty || types.contains(event.type))
    }

    /// Whether every filter holds for the event.
    func accepts(_ event: EventEnvelope, from sender: String) -> Bool {
        var attributes = ["type": event.type, "source": event.source, "sender": sender]
        attributes["subject"] = event.subject
        return filters.allSatisfy { $0.matches(attributes: attributes, body: event.data) }
    }
}
