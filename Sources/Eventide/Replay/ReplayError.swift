/// Why a replay was refused. Nothing is queued and no run is created for a refused replay.
public enum ReplayError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The selection can select nothing by construction (a reversed range, no ids).
    case invalidSelection(String)
    /// Ids given in ``ReplaySelection/eventIds(_:)`` that are not recorded events of the asset.
    case unknownEvents(asset: String, ids: [Int64])
    /// A re-queue target whose schedule does not wait on the replayed asset: its queue would never be read.
    case notAConsumer(dagId: String, asset: String)

    public var description: String {
        switch self {
        case .invalidSelection(let reason): "invalid replay selection: \(reason)"
        case .unknownEvents(let asset, let ids):
            "events \(ids.map(String.init).joined(separator: ", ")) are not recorded events of \(asset); "
                + "list them with Scheduler.assetEvents(for:) and select existing ids"
        case .notAConsumer(let dagId, let asset):
            "\(dagId) is not scheduled on \(asset): re-queued events would never make a run; replay into a new run "
                + "of it (.newRun) or re-queue for a DAG scheduled on the asset"
        }
    }
}
