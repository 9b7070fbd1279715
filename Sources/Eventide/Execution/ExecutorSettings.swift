/// How much the executor runs at once.
///
/// ```swift
/// let orchestrator = Orchestrator(database: database, executor: ExecutorSettings(workerSlots: 4, maxActiveTasksPerRun: 8))
/// ```
public struct ExecutorSettings: Sendable, Hashable, Codable {
    /// Worker slots shared by every running task instance (Airflow's `parallelism`, 32 by default).
    public var workerSlots: Int
    /// Tasks of one run that may run at once when they do not depend on each other (Airflow's
    /// `max_active_tasks`). 1, the default, runs a run's tasks one at a time in topological order, so that
    /// runs are reproducible; more runs independent branches concurrently.
    public var maxActiveTasksPerRun: Int

    public init(workerSlots: Int = 32, maxActiveTasksPerRun: Int = 1) {
        self.workerSlots = max(1, workerSlots)
        self.maxActiveTasksPerRun = max(1, maxActiveTasksPerRun)
    }
}
