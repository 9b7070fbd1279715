import Foundation

/// What went wrong defining, registering or triggering a DAG.
public enum DagError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidDagId(String)
    case duplicateDagId(String)
    case duplicateTaskId(dagId: String, taskId: String)
    case unknownUpstream(dagId: String, taskId: String, upstream: String)
    case cycle(dagId: String, tasks: [String])
    case unknownDag(String)
    /// Airflow's API answers 409 Conflict for this.
    case duplicateRunId(dagId: String, runId: String)
    case invalidConf(dagId: String, reason: String)
    /// Airflow's API answers 409 Conflict for this too: a DAG has at most one run per logical date.
    case duplicateLogicalDate(dagId: String, logicalDate: Date)

    public var description: String {
        switch self {
        case .invalidDagId(let id):
            return
                "DAG id \(id.debugDescription) is invalid: use letters, digits, '_', '-' and '.', at most 250 characters."
        case .duplicateDagId(let id):
            return "DAG id '\(id)' is registered twice; DAG ids are unique."
        case .duplicateTaskId(let dag, let task):
            return "task id '\(task)' appears twice in DAG '\(dag)'."
        case .unknownUpstream(let dag, let task, let upstream):
            return "task '\(task)' in DAG '\(dag)' depends on '\(upstream)', which is not a task of that DAG."
        case .cycle(let dag, let tasks):
            return "DAG '\(dag)' has a cycle through tasks \(tasks.joined(separator: ", ")); a DAG must be acyclic."
        case .unknownDag(let id):
            return "no DAG with id '\(id)' is registered; check the id or register the DAG first."
        case .duplicateRunId(let dag, let run):
            return "DAG '\(dag)' already has a run with id '\(run)' (409 Conflict); pick another run id."
        case .invalidConf(let dag, let reason):
            return "the conf for DAG '\(dag)' is invalid: \(reason)."
        case .duplicateLogicalDate(let dag, let date):
            return
                "DAG '\(dag)' already has a run with logical date \(EventTime.format(date)) (409 Conflict); pass another "
                + "logical date, or none."
        }
    }
}
