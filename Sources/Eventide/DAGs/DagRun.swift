import Foundation

/// A run of a DAG, as stored.
public struct DagRun: Sendable, Hashable, Codable {
    public let dagId: String
    public let runId: String
    public let runType: DagRunType
    public var state: DagRunState
    public let conf: JSONValue
    /// Airflow's logical date: given when the run was triggered, `nil` for asset-triggered runs and for manual
    /// runs triggered without one (Airflow 3 allows both).
    public let logicalDate: Date?
    /// A note a person attached when triggering the run.
    public let note: String?
    public let queuedAt: Date
    public var startedAt: Date?
    public var endedAt: Date?
    /// The asset events this run consumed (empty unless asset-triggered).
    public var triggeringAssetEvents: [AssetEvent]
    public var taskInstances: [TaskInstance]

    public var ref: DagRunRef { DagRunRef(dagId: dagId, runId: runId) }

    public func task(_ taskId: String) -> TaskInstance? { taskInstances.first { $0.taskId == taskId } }
}

/// Identifies a run.
public struct DagRunRef: Sendable, Hashable, Codable, CustomStringConvertible {
    public let dagId: String
    public let runId: String
    public init(dagId: String, runId: String) {
        self.dagId = dagId
        self.runId = runId
    }
    public var description: String { "\(dagId)/\(runId)" }
}

/// A task of a run, as stored.
public struct TaskInstance: Sendable, Hashable, Codable {
    public let taskId: String
    public let state: TaskState
    public let tryNumber: Int
    public let startedAt: Date?
    public let endedAt: Date?
    public let note: String?
    /// What the task returned (Airflow's XCom `return_value`), when it succeeded with a value.
    public let returnValue: JSONValue?
}

/// Published whenever a run changes state.
public struct DagRunUpdate: Sendable, Hashable {
    public let ref: DagRunRef
    public let state: DagRunState
}
