/// Filtering then routing: each event goes through the `FilterChain`, then the `DynamicRoutingTable`. Every event gets a
/// decision with at least one target: one the table chose, or the table's `unmatched` target with the reason
/// (the stage that rejected it, or no matching route). Nothing is dropped silently.
///
/// ```swift
/// let router = EventRouter(chain: FilterChain([.filter(.types(["order.*"]))]), table: table)
/// let decision = await router.decide(event)
/// for target in decision.targets { try await scheduler.triggerRun(target, conf: ["event": ...]) }
/// ```
public struct EventRouter: Sendable {
    public let chain: FilterChain
    public let table: DynamicRoutingTable

    public init(chain: FilterChain, table: DynamicRoutingTable) {
        self.chain = chain
        self.table = table
    }

    /// The chain's result (the event as the transforms left it) and where it goes.
    public func decide(_ event: EventEnvelope) async -> (result: ChainResult, decision: RouteDecision) {
        let result = chain.apply(event)
        guard let stage = result.rejectedBy else { return (result, await table.route(result.event)) }
        let decision = RouteDecision(
            eventId: event.id, eventType: event.type, tableVersion: 0, routes: [], targets: [table.unmatched],
            unmatched: true, reason: "rejected by \(stage)" + (result.reason.map { ": \($0)" } ?? ""))
        return (result, decision)
    }
}
