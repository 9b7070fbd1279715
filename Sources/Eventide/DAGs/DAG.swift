/// A DAG: tasks with dependencies, and a schedule.
///
/// ```swift
/// let report = try DAG("report", schedule: .on(orders & customers), tasks: [
///     TaskDefinition("extract") { context in TaskOutput(value: .number(Double(context.triggeringAssetEvents.count))) },
///     TaskDefinition("publish", upstream: ["extract"], outlets: [reportAsset]) { _ in .none },
/// ])
/// ```
public struct DAG: Sendable {
    public let dagId: String
    public var schedule: Schedule
    public var tasks: [TaskDefinition]
    /// Runs in `queued` or `running` at once; asset events wait in the queue beyond it.
    public var maxActiveRuns: Int
    public var assetTriggering: AssetTriggerMode
    public var isPausedUponCreation: Bool

    public init(
        _ dagId: String, schedule: Schedule = .none, maxActiveRuns: Int = 16,
        assetTriggering: AssetTriggerMode = .batched, isPausedUponCreation: Bool = false,
        tasks: [TaskDefinition]
    ) throws(DagError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
        guard !dagId.isEmpty, dagId.count <= 250, dagId.allSatisfy({ allowed.contains($0) }) else {
            throw DagError.invalidDagId(dagId)
        }
        self.dagId = dagId
        self.schedule = schedule
        self.tasks = tasks
        self.maxActiveRuns = max(1, maxActiveRuns)
        self.assetTriggering = assetTriggering
        self.isPausedUponCreation = isPausedUponCreation
        _ = try topologicalOrder()
    }

    /// Every asset a task of this DAG writes.
    public var outlets: [Asset] { tasks.flatMap(\.outlets) }
    public var inlets: [Asset] { tasks.flatMap(\.inlets) }

    public func task(_ taskId: String) -> TaskDefinition? { tasks.first { $0.taskId == taskId } }

    /// Task ids in an order where every task comes after its upstream tasks (Kahn's algorithm, ties in
    /// declaration order). Throws on duplicate ids, unknown upstream ids and cycles.
    public func topologicalOrder() throws(DagError) -> [String] {
        var ids = Set<String>()
        for task in tasks {
            guard ids.insert(task.taskId).inserted else {
                throw DagError.duplicateTaskId(dagId: dagId, taskId: task.taskId)
            }
        }
        for task in tasks {
            for upstream in task.upstream where !ids.contains(upstream) {
                throw DagError.unknownUpstream(dagId: dagId, taskId: task.taskId, upstream: upstream)
            }
        }
        var remaining = tasks.map { ($0.taskId, Set($0.upstream)) }
        var order: [String] = []
        while !remaining.isEmpty {
            guard let index = remaining.firstIndex(where: { $0.1.isSubset(of: Set(order)) }) else {
                throw DagError.cycle(dagId: dagId, tasks: remaining.map(\.0))
            }
            order.append(remaining.remove(at: index).0)
        }
        return order
    }
}
