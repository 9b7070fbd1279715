/// What the scheduler's store work derives from its registrations and keeps between calls: the recording path's
/// resolution (`RecordingResolution`) and the REST API's asset lookup (`AssetIndex`).
///
/// Valid for one registration generation: `Scheduler` calls `invalidate()` whenever its DAG snapshots or its
/// declared assets change (a registration), and a value computed across an `await` is stored only if the
/// generation it was computed for is still the current one (`store(_:for:)`), so a registration that lands
/// meanwhile is never hidden by a stale value.
struct SchedulerStoreCache: Sendable {
    private(set) var generation = 0
    private(set) var resolution: RecordingResolution?
    private(set) var assetIndex: AssetIndex?

    mutating func invalidate() {
        generation &+= 1
        resolution = nil
        assetIndex = nil
    }

    mutating func store(_ resolution: RecordingResolution, for generation: Int) {
        if generation == self.generation { self.resolution = resolution }
    }

    mutating func store(_ index: AssetIndex, for generation: Int) {
        if generation == self.generation { assetIndex = index }
    }
}
