/// Which targets an event goes to, decided by the routes in order. The table is replaced while events flow (no
/// restart): each decision carries the version of the table that made it. An event no route matches goes to the
/// `unmatched` target, never nowhere.
public actor DynamicRoutingTable {
    public enum Mode: String, Sendable, Codable {
        /// The first matching route wins (a switch).
        case firstMatch
        /// Every matching route gets the event (a multicast).
        case allMatches
    }

    public nonisolated let unmatched: String
    public nonisolated let mode: Mode
    public private(set) var routes: [EventRoute]
    /// 1 for the routes given at creation, +1 at every change.
    public private(set) var version = 1

    public init(routes: [EventRoute], unmatched: String, mode: Mode = .firstMatch) throws(DynamicRoutingError) {
        try Self.validate(routes)
        self.routes = routes
        self.unmatched = unmatched
        self.mode = mode
    }

    /// Swaps in new routes atomically; decisions made after this call use them. Returns the new version.
    @discardableResult
    public func replace(_ routes: [EventRoute]) throws(DynamicRoutingError) -> Int {
        try Self.validate(routes)
        self.routes = routes
        version += 1
        return version
    }

    /// The decision for `event` under the current routes.
    public func route(_ event: EventEnvelope) -> RouteDecision {
        var matched: [EventRoute] = []
        for route in routes where route.filter.matches(event) {
            matched.append(route)
            if mode == .firstMatch { break }
        }
        return RouteDecision(
            eventId: event.id, eventType: event.type, tableVersion: version, routes: matched.map(\.name),
            targets: matched.isEmpty ? [unmatched] : matched.map(\.target), unmatched: matched.isEmpty,
            reason: matched.isEmpty ? "no route matched (table v\(version))" : nil)
    }

    static func validate(_ routes: [EventRoute]) throws(DynamicRoutingError) {
        var seen: Set<String> = []
        for route in routes {
            guard seen.insert(route.name).inserted else { throw .duplicateRoute(route.name) }
        }
    }
}
