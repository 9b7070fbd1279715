import Synchronization

/// What the scheduler's store work derives from its registrations and keeps between calls: the recording path's
/// resolution (`RecordingResolution`) and the REST API's asset lookup (`AssetIndex`), beside the registrations
/// they are derived from (the asset-scheduled DAGs' snapshots and the declared assets).
///
/// Shared under a lock rather than kept in the `Scheduler` actor, so the hot paths (recording an asset event,
/// looking an asset up for the REST API) read it from the caller's own executor, with no hop through the actor.
///
/// The scheduler's `snapshots` and `declared` live here: it reads and writes them through this cache. What is
/// derived from them is valid for one registration generation: every `update` (a registration) drops it, and a
/// value computed across an `await` is stored only if the generation it was computed for is still the current one
/// (`store(_:for:)`), so a registration that lands meanwhile is never hidden by a stale value.
final class SchedulerStoreCache: Sendable {
    private struct State {
        var generation = 0
        var snapshots: [String: DagSnapshot] = [:]
        var declared: [AssetKey: Asset] = [:]
        var resolution: RecordingResolution?
        var assetIndex: AssetIndex?
    }

    private let state = Mutex(State())

    var generation: Int { state.withLock { $0.generation } }
    /// The asset-scheduled DAGs' snapshots, by DAG id.
    var snapshots: [String: DagSnapshot] { state.withLock { $0.snapshots } }
    /// The declared assets.
    var declared: [AssetKey: Asset] { state.withLock { $0.declared } }

    /// A registration changed the snapshots: what was derived from them is dropped.
    func update(snapshots: [String: DagSnapshot]) {
        state.withLock { state in
            state.snapshots = snapshots
            Self.newGeneration(&state)
        }
    }

    /// A registration changed the declared assets: what was derived from them is dropped.
    func update(declared: [AssetKey: Asset]) {
        state.withLock { state in
            state.declared = declared
            Self.newGeneration(&state)
        }
    }

    private static func newGeneration(_ state: inout State) {
        state.generation &+= 1
        state.resolution = nil
        state.assetIndex = nil
    }

    /// Whether this scheduler declares `asset`.
    func declares(_ asset: AssetKey) -> Bool { state.withLock { $0.declared[asset] != nil } }

    /// The recording resolution of the current generation (a new one, unresolved, when none is kept), and that
    /// generation, to store it back with `store(_:for:)` once a commit has brought it up to date.
    func recordingResolution() -> (resolution: RecordingResolution, generation: Int) {
        state.withLock { state in
            (state.resolution ?? RecordingResolution(snapshots: state.snapshots.values), state.generation)
        }
    }

    var assetIndex: AssetIndex? { state.withLock { $0.assetIndex } }

    func store(_ resolution: RecordingResolution, for generation: Int) {
        state.withLock { state in
            if generation == state.generation { state.resolution = resolution }
        }
    }

    func store(_ index: AssetIndex, for generation: Int) {
        state.withLock { state in
            if generation == state.generation { state.assetIndex = index }
        }
    }
}
