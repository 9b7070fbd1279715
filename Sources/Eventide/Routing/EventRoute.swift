/// One row of a routing table: events matching `filter` go to `target` (a DAG id, a topic: whatever the caller
/// dispatches to).
public struct EventRoute: Sendable, CustomStringConvertible {
    public let name: String
    public let filter: EventFilter
    public let target: String

    public init(_ name: String, when filter: EventFilter, to target: String) {
        self.name = name
        self.filter = filter
        self.target = target
    }

    public var description: String { "\(name): \(filter) → \(target)" }
}
