import Foundation
import GRDB

/// Recording a batch of asset events (one group commit): every event in its own savepoint, queued for the DAGs
/// waiting on it, and the runs their conditions now make created, all in the caller's one transaction.
///
/// What does not change between registrations is resolved once per registration generation, not per event
/// (`RecordingResolution`: the snapshots, the asset references, which DAGs wait on which asset); what other
/// transactions change (a DAG's pause flag, its active runs, its queue, its run count) is read once per batch
/// and then kept in memory while the batch writes it (`DagQueue`), so an event costs its inserts and no reads.
extension SchedulerStore {
    /// Records `batch` inside the caller's transaction and returns one outcome per request, in order, and the
    /// resolution as it stands after the batch (only valid if the transaction commits).
    static func record(
        _ batch: [Scheduler.RecordRequest], in db: Database, resolution: RecordingResolution
    ) throws -> (outcomes: [Result<Scheduler.Recorded, any Error>], resolution: RecordingResolution) {
        var resolution = try resolution.current(db)
        var queues: [String: DagQueue] = [:]
        var outcomes: [Result<Scheduler.Recorded, any Error>] = []
        outcomes.reserveCapacity(batch.count)
        for request in batch {
            // A refused event rolls back its savepoint, and its changes to the in-memory state go with it: the
            // resolution as it was before, the queues read again (from the rolled-back tables) when next needed.
            var eventResolution = resolution
            let outcome = Result {
                var recorded: Scheduler.Recorded?
                try db.inCachedSavepoint {
                    recorded = try record(request, in: db, resolution: &eventResolution, queues: &queues)
                }
                guard let recorded else { throw CancellationError() }  // unreachable: the savepoint ran
                return recorded
            }
            if case .success = outcome { resolution = eventResolution } else { queues = [:] }
            outcomes.append(outcome)
        }
        return (outcomes, resolution)
    }

    /// Records one event: a repeated message id records nothing and returns the first event.
    private static func record(
        _ request: Scheduler.RecordRequest, in db: Database, resolution: inout RecordingResolution,
        queues: inout [String: DagQueue]
    ) throws -> Scheduler.Recorded {
        let source = request.source
        if let messageId = source.messageId,
            let existing = try assetEvent(db, kind: source.kind, watcher: watcherName(source), messageId: messageId)
        {
            return Scheduler.Recorded(event: existing, duplicate: true, queuedFor: [], createdRuns: [])
        }
        let event = try insertAssetEvent(
            db, request.asset, extra: request.extra, source: source, aliases: request.aliases,
            timestamp: request.timestamp)
        // Emitting through an alias may resolve it to this asset for the first time (the insert above stored it).
        for alias in request.aliases { resolution.resolve(alias.name, to: request.asset) }
        let interested = resolution.consumers(of: request.asset)
        for snapshot in interested {
            // Read before the event is queued (first time in this batch), then kept up to date here.
            if queues[snapshot.dagId] == nil { queues[snapshot.dagId] = try DagQueue(db, dagId: snapshot.dagId) }
            try db.run(
                "INSERT INTO asset_event_queue(dag_id, asset_event_id) VALUES (?, ?)",
                arguments: [snapshot.dagId, event.id])
            queues[snapshot.dagId]?.queued.append(event)
        }
        var runs: [DagRunRef] = []
        for snapshot in interested {
            guard var queue = queues.removeValue(forKey: snapshot.dagId) else { continue }  // read just above
            runs += try createRuns(
                db, snapshot, queue: &queue, aliases: resolution.aliases, references: resolution.references ?? [:],
                now: request.timestamp)
            queues[snapshot.dagId] = queue
        }
        return Scheduler.Recorded(
            event: event, duplicate: false, queuedFor: interested.map(\.dagId).sorted(), createdRuns: runs)
    }

    /// `createRuns(_:_:aliases:references:now:runType:)` on a queue already read in this transaction: the
    /// same decision (`DagSnapshot.runsToCreate`) and the same rows, with the queue kept up to date in memory.
    static func createRuns(
        _ db: Database, _ dag: DagSnapshot, queue: inout DagQueue, aliases: [String: Set<AssetKey>],
        references: [AssetReference: AssetKey], now: Date, runType: DagRunType = .assetTriggered
    ) throws -> [DagRunRef] {
        let plan = dag.runsToCreate(
            queued: queue.queued, aliases: aliases, references: references, paused: queue.paused,
            activeRuns: queue.activeRuns)
        var refs: [DagRunRef] = []
        for events in plan {
            let number = try (queue.runCount ?? runCount(db, dagId: dag.dagId)) + 1
            let runId = runId(type: runType, now: now, number: number)
            try insertRun(
                db, dagId: dag.dagId, runId: runId, type: runType, conf: .object([:]), taskIds: dag.taskIds, now: now)
            queue.runCount = number
            queue.activeRuns += 1
            for event in events {
                try db.run(
                    "INSERT INTO dag_run_asset_event(dag_id, run_id, asset_event_id) VALUES (?, ?, ?)",
                    arguments: [dag.dagId, runId, event.id])
                try db.run(
                    "DELETE FROM asset_event_queue WHERE dag_id = ? AND asset_event_id = ?",
                    arguments: [dag.dagId, event.id])
            }
            let consumed = Set(events.map(\.id))
            queue.queued.removeAll { consumed.contains($0.id) }
            refs.append(DagRunRef(dagId: dag.dagId, runId: runId))
        }
        return refs
    }
}

/// A DAG's queue as one transaction sees it: read once, then kept up to date by the writes of that transaction
/// (no other transaction can write meanwhile).
struct DagQueue: Sendable {
    var paused: Bool
    var activeRuns: Int
    /// Queued events, oldest first.
    var queued: [AssetEvent]
    /// The DAG's runs so far (run ids are numbered from it), read when a run is first created.
    var runCount: Int?

    init(_ db: Database, dagId: String) throws {
        paused = try db.value(Bool.self, "SELECT is_paused FROM dag WHERE dag_id = ?", arguments: [dagId]) ?? false
        activeRuns =
            try db.value(
                Int.self, "SELECT COUNT(*) FROM dag_run WHERE dag_id = ? AND state IN ('queued', 'running')",
                arguments: [dagId]) ?? 0
        queued = try SchedulerStore.queuedEvents(db, dagId: dagId)
    }
}

/// What recording an event needs to know of the registrations: the asset-scheduled DAGs, what the asset
/// references in their conditions name, what each alias resolves to, and (memoized) which DAGs wait on an asset.
///
/// Built for one registration generation (`Scheduler` drops it when a registration changes its DAGs or assets)
/// and kept across batches. The alias resolutions are the one part events change: the recording path adds the
/// ones it stores, and `current(_:)` reloads them when the table holds rows this resolution has not seen (another
/// scheduler on the same database recorded through an alias).
struct RecordingResolution: Sendable {
    /// The asset-scheduled DAGs, by id.
    let snapshots: [DagSnapshot]
    private(set) var references: [AssetReference: AssetKey]?
    private(set) var aliases: [String: Set<AssetKey>] = [:]
    /// How many rows of `asset_alias_resolution` `aliases` holds (the table only grows), or -1 before loading.
    private var aliasRows = -1
    private var consumers: [AssetKey: [DagSnapshot]] = [:]

    init(snapshots: some Sequence<DagSnapshot>) {
        self.snapshots = snapshots.sorted { $0.dagId < $1.dagId }
    }

    /// This resolution, with the references resolved if they were not yet and the aliases reloaded if the table
    /// has rows it has not seen. One `COUNT(*)` of a small table per batch when nothing changed.
    func current(_ db: Database) throws -> RecordingResolution {
        var resolution = self
        if resolution.references == nil {
            resolution.references = try SchedulerStore.referenceResolution(db, for: snapshots.map(\.condition))
            resolution.consumers = [:]
        }
        let rows = try db.value(Int.self, "SELECT COUNT(*) FROM asset_alias_resolution") ?? 0
        if rows != resolution.aliasRows {
            resolution.aliases = try SchedulerStore.aliasResolution(db)
            resolution.aliasRows = rows
            resolution.consumers = [:]
        }
        return resolution
    }

    /// Notes that `alias` resolves to `asset` (just stored by `insertAssetEvent`, `INSERT OR IGNORE`).
    mutating func resolve(_ alias: String, to asset: AssetKey) {
        guard aliases[alias, default: []].insert(asset).inserted else { return }
        aliasRows += 1
        consumers = [:]  // a DAG waiting on the alias now waits on the asset
    }

    /// The DAGs whose condition concerns an event of `asset` (by name, alias or reference), by id.
    mutating func consumers(of asset: AssetKey) -> [DagSnapshot] {
        if let known = consumers[asset] { return known }
        let references = references ?? [:]
        let found = snapshots.filter { $0.condition.waits(on: asset, aliases: aliases, references: references) }
        consumers[asset] = found
        return found
    }
}
