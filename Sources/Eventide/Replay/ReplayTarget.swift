/// Where replayed events go.
///
/// - ``newRun(dagId:)``: one new manual run of the DAG whose triggering asset events are the replayed events
///   (its tasks read them with `context.triggeringEvents(of:)` as in any asset-triggered run); its conf says it
///   is a replay (`{"replay": {"selection": …, "event_ids": […]}}`). The DAG need not be scheduled on the asset.
/// - ``requeue(consumer:)``: the events are queued again for a DAG scheduled on the asset, as if they had just
///   been recorded; its condition is evaluated at once and makes the runs it makes for any queued events
///   (batched or one per event, respecting `maxActiveRuns`).
public enum ReplayTarget: Sendable, Hashable, Codable, CustomStringConvertible {
    case newRun(dagId: String)
    case requeue(consumer: String)

    public var dagId: String {
        switch self {
        case .newRun(let dagId), .requeue(let dagId): dagId
        }
    }

    public var description: String {
        switch self {
        case .newRun(let dagId): "a new run of \(dagId)"
        case .requeue(let dagId): "the queue of \(dagId)"
        }
    }
}
