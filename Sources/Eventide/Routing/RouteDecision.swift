/// Where one event went, and why.
public struct RouteDecision: Sendable, Hashable, Codable {
    public let eventId: String
    public let eventType: String
    /// The version of the routing table that decided (0: rejected by the filter chain before the table).
    public let tableVersion: Int
    /// The routes that matched, in table order.
    public let routes: [String]
    /// Where the event goes: the matched routes' targets, or the unmatched target.
    public let targets: [String]
    public let unmatched: Bool
    /// Why it is unmatched: the rejecting stage of the chain, or no matching route.
    public let reason: String?
}
