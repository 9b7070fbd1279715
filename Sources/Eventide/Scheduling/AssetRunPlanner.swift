/// Decides which runs an asset-scheduled DAG gets from the asset events queued for it.
///
/// A pure function of the queue: no clock, no database, no tasks, so tests drive every case directly.
public enum AssetRunPlanner {
    /// - Parameters:
    ///   - queued: the DAG's queued events, oldest first.
    ///   - aliases: what each alias resolves to.
    ///   - references: the registered asset each asset reference names (a missing one is false).
    ///   - capacity: how many runs may be created now (max active runs minus active runs; 0 when paused).
    /// - Returns: the events of each run to create, oldest run first. Events not returned stay queued.
    public static func plan(
        condition: AssetCondition, mode: AssetTriggerMode, queued: [AssetEvent],
        aliases: [String: Set<AssetKey>], references: [AssetReference: AssetKey] = [:], capacity: Int
    ) -> [[AssetEvent]] {
        guard capacity > 0, !queued.isEmpty else { return [] }
        switch mode {
        case .batched:
            let updated = Set(queued.map(\.asset))
            return condition.evaluate(updated: updated, aliases: aliases, references: references) ? [queued] : []
        case .perEvent:
            // Each asset has one slot; later events of a filled slot wait in the backlog. Whenever the slots
            // satisfy the condition they become one run and the backlog refills them in arrival order.
            var runs: [[AssetEvent]] = []
            var slots: [AssetKey: AssetEvent] = [:]
            var pending = queued[...]
            var backlog: [AssetEvent] = []
            while runs.count < capacity, let event = pending.popFirst() {
                guard slots[event.asset] == nil else { backlog.append(event); continue }
                slots[event.asset] = event
                if condition.evaluate(updated: Set(slots.keys), aliases: aliases, references: references) {
                    runs.append(slots.values.sorted { $0.id < $1.id })
                    slots = [:]
                    pending = (backlog + pending)[...]
                    backlog = []
                }
            }
            return runs
        }
    }
}
