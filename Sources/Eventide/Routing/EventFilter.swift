/// A named yes/no question about an event: by its type, by its content (a `FilterPolicy` over its attributes or
/// its data), or any predicate. The name is what a rejection or a route reports.
///
/// ```swift
/// let orders = EventFilter.types(["order.placed", "order.cancelled"])
/// let europe = try EventFilter.content("eu", FilterPolicy(json: #"{"region": ["eu"]}"#, scope: .messageBody))
/// let both = EventFilter.all("eu orders", [orders, europe])
/// ```
public struct EventFilter: Sendable, CustomStringConvertible {
    public let name: String
    private let test: @Sendable (EventEnvelope) -> Bool

    public init(_ name: String, _ test: @escaping @Sendable (EventEnvelope) -> Bool) {
        self.name = name
        self.test = test
    }

    public var description: String { name }

    public func matches(_ event: EventEnvelope) -> Bool { test(event) }

    /// Events whose type is one of `types`; an entry ending in `.*` matches every type under that prefix
    /// (`order.*` matches `order.placed`, not `order`).
    public static func types(_ types: [String], name: String? = nil) -> EventFilter {
        let exact = Set(types.filter { !$0.hasSuffix(".*") })
        let prefixes = types.filter { $0.hasSuffix(".*") }.map { String($0.dropLast()) }
        return EventFilter(name ?? "type in [\(types.joined(separator: ", "))]") { event in
            exact.contains(event.type) || prefixes.contains { event.type.hasPrefix($0) }
        }
    }

    /// Content-based: `policy` with the MessageBody scope looks at the event's `data`; with the MessageAttributes
    /// scope at `type`, `source` and `subject`.
    public static func content(_ name: String, _ policy: FilterPolicy) -> EventFilter {
        EventFilter(name) { event in
            var attributes = ["type": event.type, "source": event.source]
            if let subject = event.subject { attributes["subject"] = subject }
            return policy.matches(attributes: attributes, body: event.data)
        }
    }

    /// Matches when every filter does (checked in order, stopping at the first that fails).
    public static func all(_ name: String, _ filters: [EventFilter]) -> EventFilter {
        EventFilter(name) { event in filters.allSatisfy { $0.matches(event) } }
    }
}
