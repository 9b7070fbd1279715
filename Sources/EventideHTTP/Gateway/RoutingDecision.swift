import Eventide

/// Where the routing table sent an event.
public enum RoutingDecision: Sendable, Hashable {
    /// To the asset of the first rule that took it.
    case routed(rule: String, to: AssetKey)
    /// Nowhere: it goes to the dead-letter queue with the reason.
    case unroutable(UnroutableReason)
}
