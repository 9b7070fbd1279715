import Eventide

/// The gateway's routing table: rules in order, the first that selects the event's sender and type and whose
/// filters hold wins. An event no rule takes is unroutable, with the reason (no rule for its type, or the rules
/// for its type whose filters refused it): the gateway dead-letters it, never drops it.
///
/// A pure function of the event: tests drive it without a server or a store.
public struct RoutingTable: Sendable {
    public let rules: [RoutingRule]

    public init(_ rules: [RoutingRule]) { self.rules = rules }

    public func route(_ event: EventEnvelope, from sender: String) -> RoutingDecision {
        let candidates = rules.filter { $0.selects(event, from: sender) }
        if let rule = candidates.first(where: { $0.accepts(event, from: sender) }) {
            return .routed(rule: rule.name, to: rule.destination)
        }
        return .unroutable(
            UnroutableReason(
                kind: candidates.isEmpty ? .noRuleForType : .filtersRefused, sender: sender, type: event.type,
                rulesTried: candidates.map(\.name)))
    }
}
