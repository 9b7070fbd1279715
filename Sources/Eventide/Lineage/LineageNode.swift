import Foundation

/// One step of an event's lineage, as the tracker persists it: a source message, an asset event, a run or a task
/// instance, with the correlation id of the transaction it belongs to, the node that caused it, and its span.
///
/// Node ids are readable and stable: `message:<watcher>/<message id>`, `event:<asset event id>`,
/// `run:<dag id>/<run id>`, `task:<dag id>/<run id>/<task id>`.
public struct LineageNode: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case message, event, run, task }

    public let id: String
    public let kind: Kind
    /// What it is, for people: `raw_orders #1 from watcher orders_in_watcher`, `orders_producer (asset_triggered)`.
    public let label: String
    /// Shared by every node of one business transaction: the source message's `correlation_id`, else the id of
    /// the first node of the chain.
    public let correlationId: String
    /// The node that caused this one (for a run consuming several events, the first of them); `nil` at a root.
    public let causationId: String?
    /// Every node that caused this one (a run's consumed events), `causationId` first.
    public let causes: [String]
    /// The span recorded for it (for a message: the sender's span its `traceparent` named, if any).
    public let traceParent: TraceParent?
    /// The span it is a child of, `nil` for a root.
    public let parentSpanId: String?
    public let at: Date

    public init(
        id: String, kind: Kind, label: String, correlationId: String, causes: [String], traceParent: TraceParent?,
        parentSpanId: String?, at: Date
    ) {
        self.id = id
        self.kind = kind
        self.label = label
        self.correlationId = correlationId
        self.causationId = causes.first
        self.causes = causes
        self.traceParent = traceParent
        self.parentSpanId = parentSpanId
        self.at = at
    }

    public static func message(watcher: String, messageId: String) -> String { "message:\(watcher)/\(messageId)" }
    public static func event(_ id: Int64) -> String { "event:\(id)" }
    public static func run(_ ref: DagRunRef) -> String { "run:\(ref.dagId)/\(ref.runId)" }
    public static func task(_ ref: DagRunRef, taskId: String) -> String { "task:\(ref.dagId)/\(ref.runId)/\(taskId)" }
}
