import Foundation
import GRDB
import Synchronization

/// The scheduler: records asset events, queues them for the DAGs that wait on them, and creates runs.
///
/// Event-driven: nothing polls. Recording an asset event, finishing a run and unpausing a DAG are the moments
/// a DAG's condition can become true, and each of them evaluates the affected DAGs in the same SQLite
/// transaction that changed the queue, so a satisfied condition yields exactly one run and a crash between
/// the event and the run loses nothing (the queue is a table).
///
/// ```swift
/// let scheduler = Scheduler(database: database)
/// try await scheduler.register([producer, consumer])           // consumer: schedule: .asset(orders)
/// try await scheduler.recordAssetEvent(orders.key, source: .api(messageId: "o-1"))
/// let runs = try await scheduler.waitForFinishedRuns(of: "consumer", count: 1)   // with an Executor running
/// ```
///
/// Registration and pausing are in `Scheduler+Registration.swift`, reads and waits in `Scheduler+Queries.swift`,
/// the decisions in `DagSnapshot` and `AssetRunPlanner`, the SQL in `SchedulerStore`.
public actor Scheduler {
    public nonisolated let database: EventideDatabase
    /// Stamps asset events and runs; the triggerer and the executor wait on it too.
    public nonisolated let clock: EventideClock
    /// Where the scheduler, and the triggerer and executor that work for it, report their metrics.
    public nonisolated let metrics: RuntimeMetrics
    var dags: [String: DAG] = [:]
    /// Each asset-scheduled DAG's snapshot, taken at registration (kept in `storeCache`).
    var snapshots: [String: DagSnapshot] {
        get { storeCache.snapshots }
        set { storeCache.update(snapshots: newValue) }
    }
    /// The declared assets (kept in `storeCache`).
    var declared: [AssetKey: Asset] {
        get { storeCache.declared }
        set { storeCache.update(declared: newValue) }
    }
    /// The registrations, and what the store work derives from them (dropped whenever they change): shared under a
    /// lock, so recording an event and looking an asset up need no hop through this actor.
    nonisolated let storeCache = SchedulerStoreCache()
    /// The active assets (Airflow's `asset_active`), in activation order: what asset references resolve against.
    var active: [AssetKey] = []

    nonisolated let created = Broadcast<DagRunRef>()
    nonisolated let updates = Broadcast<DagRunUpdate>()
    nonisolated let recorded = Broadcast<AssetEvent>()
    /// Who consumes which asset may have changed: a DAG was registered, paused or unpaused.
    nonisolated let consumersChanged = Broadcast<Void>()
    /// Concurrent `recordAssetEvent` calls share commits.
    nonisolated let recordings = GroupCommit<RecordRequest, Recorded>()
    /// Where the recording commits' time went inside the transaction (`recordingStatistics()`).
    nonisolated let recordingTransactions = Mutex(RecordingStatistics.Transactions())

    public init(database: EventideDatabase, clock: EventideClock = .system, metrics: RuntimeMetrics = RuntimeMetrics())
    {
        self.database = database
        self.clock = clock
        self.metrics = metrics
    }

    // MARK: Asset events

    /// What recording an asset event did.
    public struct Recorded: Sendable {
        public let event: AssetEvent
        /// The source's message id had been recorded before: nothing new was stored.
        public let duplicate: Bool
        /// DAGs the event was queued for.
        public let queuedFor: [String]
        public let createdRuns: [DagRunRef]
    }

    /// Records an asset event, queues it for every DAG whose condition mentions the asset (directly or
    /// through an alias that resolves to it), and creates the runs whose conditions now hold — all in one
    /// transaction. A repeated `messageId` from the same source records nothing and returns the first event.
    /// The event is stamped `timestamp`, or the scheduler's clock's date when it is `nil`.
    ///
    /// Concurrent calls share commits (`GroupCommit`): events recorded while a commit runs are committed
    /// together in the next one, each in its own savepoint, so one refused event does not undo the others and
    /// N concurrent producers (HTTP requests, watchers) cost about N / batch fsyncs instead of N. A call returns
    /// only after the commit that holds its event.
    ///
    /// `triggerPayload` is the payload of the trigger event the asset event is created from (a watcher's): the
    /// event is then marked as Airflow marks it, `extra["from_trigger"] = true` and `extra["payload"]` = the
    /// payload, beside the other keys of `extra`.
    @discardableResult
    nonisolated(nonsending) public func recordAssetEvent(
        _ asset: AssetKey, extra: [String: JSONValue] = [:], source: AssetEventSource,
        alias: AssetAlias? = nil, triggerPayload: JSONValue? = nil, at timestamp: Date? = nil
    ) async throws -> Recorded {
        var extra = extra
        if let triggerPayload {
            extra[AssetEvent.fromTriggerKey] = .bool(true)
            extra[AssetEvent.payloadKey] = triggerPayload
        }
        return try await recordAssetEvent(
            asset, extra: extra, source: source, aliases: alias.map { [$0] } ?? [], at: timestamp)
    }

    /// Records one asset event emitted through every alias in `aliases` (Airflow collapses a task's emissions
    /// of the same asset with the same extra through several aliases into one event carrying them all as its
    /// source aliases): each alias resolves to the asset, and the event is queued once for every DAG waiting on
    /// any of them. See `recordAssetEvent(_:extra:source:alias:triggerPayload:at:)`.
    ///
    /// Runs on the caller's executor, not the scheduler's: the registrations it needs are read under a lock
    /// (`SchedulerStoreCache`), and the commit goes from the group commit's leader straight to the store's writer.
    @discardableResult
    nonisolated(nonsending) public func recordAssetEvent(
        _ asset: AssetKey, extra: [String: JSONValue] = [:], source: AssetEventSource,
        aliases: [AssetAlias], at timestamp: Date? = nil
    ) async throws -> Recorded {
        guard storeCache.declares(asset) || !aliases.isEmpty else {  // assets emitted through an alias are dynamic
            throw AssetError.undeclaredAsset(name: asset.name, uri: asset.uri, dag: nil)
        }
        let request = RecordRequest(
            asset: asset, extra: extra, source: source, aliases: aliases, timestamp: timestamp ?? clock.date)
        let result = try await recordings.submit(request) { batch in await self.commit(batch) }
        countRecorded(result, source: source)
        return result
    }

    /// Tells subscribers what a commit recorded: the event (a duplicate is not news) and the runs it created.
    nonisolated func announce(_ result: Recorded) {
        if !result.duplicate { recorded.publish(result.event) }
        for run in result.createdRuns { created.publish(run) }
    }

    /// Counts a recorded event and the runs it created in the runtime's metrics.
    nonisolated func countRecorded(_ result: Recorded, source: AssetEventSource) {
        metrics.assetEventRecorded(source: source, duplicate: result.duplicate)
        metrics.runsCreated(result.createdRuns, type: .assetTriggered)
    }

    /// One asset event waiting for its commit.
    struct RecordRequest: Sendable {
        let asset: AssetKey
        let extra: [String: JSONValue]
        let source: AssetEventSource
        let aliases: [AssetAlias]
        let timestamp: Date
    }

    /// Commits a batch of asset events in one transaction, each in a savepoint, and publishes what was recorded.
    /// The transaction runs on the leader's own thread (`writeOnCallingThread`): the leader waits for it anyway,
    /// and a commit handed to the writer's queue cost two thread hand-offs more (8 connections in the HTTP
    /// benchmark: 158–183 → 138–147 µs of server CPU per committed event).
    private nonisolated func commit(_ batch: [RecordRequest]) async -> [Result<Recorded, any Error>] {
        let (resolution, generation) = storeCache.recordingResolution()
        let outcomes: [Result<Recorded, any Error>]
        do {
            let start = ContinuousClock.now
            var written = ContinuousClock.now
            let recorded = try database.writeOnCallingThread { db in
                defer { written = ContinuousClock.now }
                return try SchedulerStore.record(batch, in: db, resolution: resolution)
            }
            let end = ContinuousClock.now
            recordingTransactions.withLock {
                $0.writing += written - start
                $0.flushing += end - written
            }
            outcomes = recorded.outcomes
            storeCache.store(recorded.resolution, for: generation)
        } catch {
            return batch.map { _ in .failure(error) }  // the transaction did not commit: none of them is recorded
        }
        for case .success(let result) in outcomes { announce(result) }
        return outcomes
    }

    /// Re-evaluates the queues of these DAGs (after a run finished or a DAG was unpaused).
    @discardableResult
    public func evaluate(dagIds: [String]) async throws -> [DagRunRef] {
        let snapshots = dagIds.compactMap { self.snapshots[$0] }
        guard !snapshots.isEmpty else { return [] }
        let now = clock.date
        let runs = try await database.pool.write { db in
            let aliases = try SchedulerStore.aliasResolution(db)
            let references = try SchedulerStore.referenceResolution(db, for: snapshots.map(\.condition))
            var runs: [DagRunRef] = []
            for snapshot in snapshots {
                runs += try SchedulerStore.createRuns(db, snapshot, aliases: aliases, references: references, now: now)
            }
            return runs
        }
        for run in runs { created.publish(run) }
        metrics.runsCreated(runs, type: .assetTriggered)
        return runs
    }

    // MARK: Manual runs

    /// Creates a run now (Airflow's "trigger DAG"), stamped `now` or the clock's date. A run id or a logical date
    /// already used by this DAG is refused (`DagError.duplicateRunId`, `.duplicateLogicalDate`).
    @discardableResult
    public func triggerRun(
        _ dagId: String, runId: String? = nil, conf: JSONValue = .object([:]),
        runType: DagRunType = .manual, logicalDate: Date? = nil, note: String? = nil, at now: Date? = nil
    ) async throws -> DagRunRef {
        let dag = try dag(dagId)
        guard conf.objectValue != nil else {
            throw DagError.invalidConf(dagId: dagId, reason: "conf must be a JSON object, got \(conf.jsonText)")
        }
        let taskIds = try snapshots[dagId]?.taskIds ?? dag.topologicalOrder()
        let now = now ?? clock.date
        let ref = try await database.pool.write { db in
            let runId = runId ?? SchedulerStore.newRunId(db, dagId: dagId, type: runType, now: now)
            try SchedulerStore.insertRun(
                db, dagId: dagId, runId: runId, type: runType, conf: conf, taskIds: taskIds,
                now: now, logicalDate: logicalDate, note: note)
            return DagRunRef(dagId: dagId, runId: runId)
        }
        created.publish(ref)
        metrics.runsCreated([ref], type: runType)
        return ref
    }

    // MARK: Run bookkeeping (called by the executor)

    func markRunFinished(_ ref: DagRunRef, state: DagRunState) async throws {
        let now = clock.date.timeIntervalSince1970
        try await database.pool.write { db in try SchedulerStore.finishRun(db, ref, state: state, now: now) }
        try await runEnded(ref, state: state)
    }

    /// After a run's end is committed: tells subscribers, and re-evaluates its DAG's queue (a slot under
    /// max_active_runs is free: queued events may now make a run).
    func runEnded(_ ref: DagRunRef, state: DagRunState) async throws {
        updates.publish(DagRunUpdate(ref: ref, state: state))
        try await evaluate(dagIds: [ref.dagId])
    }

    /// Records a task instance's state. The first task to run also moves its run from `queued` to `running`,
    /// in the same transaction (one commit fewer between an asset event and the consumer's first task).
    /// `closingRun`: the task is the run's last and has ended (failed or skipped; a success goes through
    /// `completeTask`): the run ends in this state in the same commit.
    func setTaskState(
        _ ref: DagRunRef, taskId: String, state: TaskState, tryNumber: Int, note: String? = nil,
        returnValue: JSONValue? = nil, closingRun: DagRunState? = nil
    ) async throws {
        let now = clock.date.timeIntervalSince1970
        let update: @Sendable (Database) throws -> Bool = { db in
            let started = try SchedulerStore.setTaskState(
                db, ref, taskId: taskId, state: state, tryNumber: tryNumber, note: note,
                returnValue: returnValue, now: now)
            if let closingRun { try SchedulerStore.finishRun(db, ref, state: closingRun, now: now) }
            return started
        }
        // Queued and running are marks recovery does not rely on (a task running when the machine stopped runs
        // again): they skip the flush, so a task starts two fsyncs sooner after the event that made its run.
        let runStarted =
            state == .queued || state == .running
            ? try await database.writeUnflushed(update) : try await database.pool.write(update)
        if runStarted { updates.publish(DagRunUpdate(ref: ref, state: .running)) }
        if let closingRun { try await runEnded(ref, state: closingRun) }
    }

    // MARK: Notifications

    /// Every run created from now on.
    public nonisolated func createdRuns() -> AsyncStream<DagRunRef> { created.subscribe() }
    /// Every run state change from now on.
    public nonisolated func runUpdates() -> AsyncStream<DagRunUpdate> { updates.subscribe() }
    /// Every asset event recorded from now on.
    public nonisolated func recordedAssetEvents() -> AsyncStream<AssetEvent> { recorded.subscribe() }
}
