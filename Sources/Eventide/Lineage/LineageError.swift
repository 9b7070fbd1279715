/// Why a lineage step could not be tracked or explained.
public enum LineageError: Error, Equatable, CustomStringConvertible {
    case unknownEvent(Int64)
    case unknownRun(DagRunRef)
    case unknownTask(DagRunRef, taskId: String)
    case unknownDag(String)

    public var description: String {
        switch self {
        case .unknownEvent(let id):
            "no asset event #\(id) in this store: list the events (GET /api/v2/assets/events, or the console) and pass one of their ids"
        case .unknownRun(let ref): "no run \(ref) in this store: the run id is the DAG's own (e.g. asset_triggered__…)"
        case .unknownTask(let ref, let taskId):
            "run \(ref) has no task instance \(taskId) yet: a task is tracked once it has started"
        case .unknownDag(let dagId):
            "no DAG \(dagId) in this store: a DAG is stored when it is registered; check the id's spelling"
        }
    }
}
