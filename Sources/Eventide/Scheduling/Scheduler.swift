import Foundation
import GRDB

/// The scheduler: records asset events, queues them for the DAGs that wait on them, and creates runs.
///
/// Event-driven: nothing polls. Recording an asset event, finishing a run and unpausing a DAG are the moments
/// a DAG's condition can become true, and each of them evaluates the affected DAGs in the same SQLite
/// transaction that changed the queue, so a satisfied condition yields exactly one run and a crash between
/// the event and the run loses nothing (the queue is a table).
public actor Scheduler {
    public nonisolated let database: EventideDatabase
    private var dags: [String: DAG] = [:]
    private var declared: [AssetKey: Asset] = [:]

    private nonisolated let created = Broadcast<DagRunRef>()
    private nonisolated let updates = Broadcast<DagRunUpdate>()
    private nonisolated let recorded = Broadcast<AssetEvent>()

    public init(database: EventideDatabase) {
        self.database = database
    }

    // MARK: Registration ("parsing the DAG folder")

    /// Registers DAGs and the assets they use. Assets in outlets and inlets are declared by that use; a
    /// schedule may only name declared assets (a typo in a URI would otherwise wait forever).
    public func register(_ newDags: [DAG], assets: [Asset] = []) async throws {
        var known = declared
        for asset in assets + newDags.flatMap({ $0.outlets + $0.inlets }) where known[asset.key] == nil {
            known[asset.key] = asset
        }
        var ids = Set(dags.keys)
        for dag in newDags {
            guard ids.insert(dag.dagId).inserted else { throw DagError.duplicateDagId(dag.dagId) }
            for key in dag.schedule.condition?.assetKeys.sorted() ?? [] where known[key] == nil {
                throw AssetError.undeclaredAsset(name: key.name, uri: key.uri, dag: dag.dagId)
            }
        }
        let rows = Array(known.values)
        try await database.pool.write { db in
            for asset in rows {
                try db.run("""
                    INSERT INTO asset(name, uri, asset_group, extra) VALUES (?, ?, ?, ?)
                    ON CONFLICT(name, uri) DO UPDATE SET asset_group = excluded.asset_group, extra = excluded.extra
                    """, arguments: [asset.name, asset.uri, asset.group, JSONValue.object(asset.extra).jsonText])
            }
            for dag in newDags {
                try db.run("INSERT INTO dag(dag_id, is_paused) VALUES (?, ?) ON CONFLICT(dag_id) DO NOTHING",
                               arguments: [dag.dagId, dag.isPausedUponCreation])
            }
        }
        declared = known
        for dag in newDags { dags[dag.dagId] = dag }
        // Events queued before a restart may already satisfy a condition.
        for dag in newDags where dag.schedule.condition != nil { try await evaluate(dagIds: [dag.dagId]) }
    }

    public func dag(_ dagId: String) throws(DagError) -> DAG {
        guard let dag = dags[dagId] else { throw DagError.unknownDag(dagId) }
        return dag
    }

    public var registeredDags: [DAG] { dags.values.sorted { $0.dagId < $1.dagId } }

    public func asset(_ key: AssetKey) -> Asset? { declared[key] }

    /// Assets some DAG's schedule waits on (directly; aliases are resolved at event time).
    public var scheduledAssetKeys: Set<AssetKey> {
        Set(dags.values.flatMap { $0.schedule.condition?.assetKeys ?? [] })
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
    @discardableResult
    public func recordAssetEvent(_ asset: AssetKey, extra: [String: JSONValue] = [:], source: AssetEventSource,
                                 alias: AssetAlias? = nil, at timestamp: Date = Date()) async throws -> Recorded {
        guard declared[asset] != nil || alias != nil else {  // assets emitted through an alias are dynamic
            throw AssetError.undeclaredAsset(name: asset.name, uri: asset.uri, dag: nil)
        }
        let snapshots = dags.values.compactMap(DagSnapshot.init)
        let result = try await database.pool.write { db -> Recorded in
            if let messageId = source.messageId,
               let existing = try Self.assetEvent(db, kind: source.kind, watcher: Self.watcherName(source),
                                                  messageId: messageId) {
                return Recorded(event: existing, duplicate: true, queuedFor: [], createdRuns: [])
            }
            if let alias {
                try db.run("""
                    INSERT OR IGNORE INTO asset_alias_resolution(alias, name, uri) VALUES (?, ?, ?)
                    """, arguments: [alias.name, asset.name, asset.uri])
            }
            let source_ = Self.sourceColumns(source)
            try db.run("""
                INSERT INTO asset_event(name, uri, extra, source_kind, source_dag_id, source_run_id, source_task_id,
                                        source_watcher, source_message_id, alias, timestamp)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [asset.name, asset.uri, JSONValue.object(extra).jsonText, source.kind,
                                 source_.dag, source_.run, source_.task, source_.watcher, source.messageId,
                                 alias?.name, timestamp.timeIntervalSince1970])
            let event = AssetEvent(id: db.lastInsertedRowID, asset: asset, extra: extra, source: source,
                                   alias: alias?.name, timestamp: timestamp)
            let aliases = try Self.aliasResolution(db)
            let interested = snapshots.filter { snapshot in
                snapshot.condition.assetKeys.contains(asset)
                    || snapshot.condition.aliasNames.contains { aliases[$0]?.contains(asset) ?? false }
            }
            for snapshot in interested {
                try db.run("INSERT INTO asset_event_queue(dag_id, asset_event_id) VALUES (?, ?)",
                               arguments: [snapshot.dagId, event.id])
            }
            var runs: [DagRunRef] = []
            for snapshot in interested { runs += try Self.createRuns(db, snapshot, aliases: aliases, now: timestamp) }
            return Recorded(event: event, duplicate: false, queuedFor: interested.map(\.dagId).sorted(),
                            createdRuns: runs)
        }
        if !result.duplicate { recorded.publish(result.event) }
        for run in result.createdRuns { created.publish(run) }
        return result
    }

    /// Re-evaluates the queues of these DAGs (after a run finished or a DAG was unpaused).
    @discardableResult
    public func evaluate(dagIds: [String]) async throws -> [DagRunRef] {
        let snapshots = dagIds.compactMap { dags[$0] }.compactMap(DagSnapshot.init)
        guard !snapshots.isEmpty else { return [] }
        let runs = try await database.pool.write { db in
            let aliases = try Self.aliasResolution(db)
            var runs: [DagRunRef] = []
            for snapshot in snapshots { runs += try Self.createRuns(db, snapshot, aliases: aliases, now: Date()) }
            return runs
        }
        for run in runs { created.publish(run) }
        return runs
    }

    /// Events queued for a DAG and not yet consumed by a run, oldest first.
    public func queuedEvents(for dagId: String) async throws -> [AssetEvent] {
        _ = try dag(dagId)
        return try await database.pool.read { db in try Self.queuedEvents(db, dagId: dagId) }
    }

    /// Every asset event recorded for an asset, oldest first (Airflow's `inlet_events`).
    public func assetEvents(for asset: AssetKey) async throws -> [AssetEvent] {
        try await database.pool.read { db in
            try db.rows("SELECT * FROM asset_event WHERE name = ? AND uri = ? ORDER BY id",
                             arguments: [asset.name, asset.uri]).map(Self.assetEvent)
        }
    }

    public func allAssetEvents() async throws -> [AssetEvent] {
        try await database.pool.read { db in
            try db.rows("SELECT * FROM asset_event ORDER BY id").map(Self.assetEvent)
        }
    }

    // MARK: Pausing and manual runs

    public func setPaused(_ dagId: String, _ paused: Bool) async throws {
        _ = try dag(dagId)
        try await database.pool.write { db in
            try db.run("UPDATE dag SET is_paused = ? WHERE dag_id = ?", arguments: [paused, dagId])
        }
        if !paused { try await evaluate(dagIds: [dagId]) }
    }

    public func isPaused(_ dagId: String) async throws -> Bool {
        _ = try dag(dagId)
        return try await database.pool.read { db in
            try db.value(Bool.self, "SELECT is_paused FROM dag WHERE dag_id = ?", arguments: [dagId]) ?? false
        }
    }

    /// Creates a run now (Airflow's "trigger DAG"). A run id already used by this DAG is refused.
    @discardableResult
    public func triggerRun(_ dagId: String, runId: String? = nil, conf: JSONValue = .object([:]),
                           runType: DagRunType = .manual, at now: Date = Date()) async throws -> DagRunRef {
        let dag = try dag(dagId)
        guard conf.objectValue != nil else {
            throw DagError.invalidConf(dagId: dagId, reason: "conf must be a JSON object, got \(conf.jsonText)")
        }
        let taskIds = try dag.topologicalOrder()
        let ref = try await database.pool.write { db in
            let runId = runId ?? Self.newRunId(db, dagId: dagId, type: runType, now: now)
            try Self.insertRun(db, dagId: dagId, runId: runId, type: runType, conf: conf, taskIds: taskIds, now: now)
            return DagRunRef(dagId: dagId, runId: runId)
        }
        created.publish(ref)
        return ref
    }

    // MARK: Run bookkeeping (called by the executor)

    func markRunFinished(_ ref: DagRunRef, state: DagRunState) async throws {
        try await database.pool.write { db in
            try db.run("UPDATE dag_run SET state = ?, ended_at = ? WHERE dag_id = ? AND run_id = ?",
                           arguments: [state.rawValue, Date().timeIntervalSince1970, ref.dagId, ref.runId])
        }
        updates.publish(DagRunUpdate(ref: ref, state: state))
        // A slot under max_active_runs is free: queued events may now make a run.
        try await evaluate(dagIds: [ref.dagId])
    }

    /// Records a task instance's state. The first task to run also moves its run from `queued` to `running`,
    /// in the same transaction (one commit fewer between an asset event and the consumer's first task).
    func setTaskState(_ ref: DagRunRef, taskId: String, state: TaskState, tryNumber: Int, note: String? = nil,
                      returnValue: JSONValue? = nil) async throws {
        let now = Date().timeIntervalSince1970
        let runStarted = try await database.pool.write { db -> Bool in
            var started = false
            if state == .running {
                try db.run("UPDATE dag_run SET state = 'running', started_at = ? "
                                   + "WHERE dag_id = ? AND run_id = ? AND state = 'queued'",
                               arguments: [now, ref.dagId, ref.runId])
                started = db.changesCount > 0
            }
            try db.run("""
                UPDATE task_instance SET state = ?, try_number = ?, note = COALESCE(?, note),
                    return_value = COALESCE(?, return_value),
                    started_at = CASE WHEN ? = 'running' AND started_at IS NULL THEN ? ELSE started_at END,
                    ended_at = CASE WHEN ? IN ('success', 'failed', 'skipped', 'upstream_failed') THEN ? ELSE NULL END
                WHERE dag_id = ? AND run_id = ? AND task_id = ?
                """, arguments: [state.rawValue, tryNumber, note, returnValue?.jsonText, state.rawValue, now, state.rawValue, now,
                                 ref.dagId, ref.runId, taskId])
            return started
        }
        if runStarted { updates.publish(DagRunUpdate(ref: ref, state: .running)) }
    }

    // MARK: Reading runs

    public func run(_ ref: DagRunRef) async throws -> DagRun? {
        try await database.pool.read { db in try Self.fetchRuns(db, dagId: ref.dagId, runId: ref.runId).first }
    }

    /// The DAG's runs, oldest first.
    public func runs(of dagId: String) async throws -> [DagRun] {
        _ = try dag(dagId)
        return try await database.pool.read { db in try Self.fetchRuns(db, dagId: dagId, runId: nil) }
    }

    /// Runs not finished: waiting to start, or interrupted by a stop (for the executor after a restart).
    func queuedRuns() async throws -> [DagRunRef] {
        try await database.pool.read { db in
            try db.rows("SELECT dag_id, run_id FROM dag_run WHERE state IN ('queued', 'running') ORDER BY queued_at")
                .map { DagRunRef(dagId: $0["dag_id"], runId: $0["run_id"]) }
        }
    }

    // MARK: Notifications

    /// Every run created from now on.
    public nonisolated func createdRuns() -> AsyncStream<DagRunRef> { created.subscribe() }
    /// Every run state change from now on.
    public nonisolated func runUpdates() -> AsyncStream<DagRunUpdate> { updates.subscribe() }
    /// Every asset event recorded from now on.
    public nonisolated func recordedAssetEvents() -> AsyncStream<AssetEvent> { recorded.subscribe() }

    /// Waits until the DAG has no queued asset events and no unfinished run, for a DAG whose queued events always
    /// make runs (a single-asset schedule; `maxActiveRuns` only delays them). No polling: it subscribes to run
    /// updates before looking, and looks again after each of the DAG's updates.
    public func waitUntilIdle(_ dagId: String) async throws {
        let stream = runUpdates()
        while true {
            let queued = try await queuedEvents(for: dagId)
            let active = try await runs(of: dagId).contains { !$0.state.isFinished }
            if queued.isEmpty && !active { return }
            try Task.checkCancellation()
            for await update in stream where update.ref.dagId == dagId { break }
        }
    }

    /// Waits until the DAG has at least `count` finished runs and returns them (no polling: it subscribes
    /// to run updates before looking).
    public func waitForFinishedRuns(of dagId: String, count: Int) async throws -> [DagRun] {
        let stream = runUpdates()
        while true {
            let finished = try await runs(of: dagId).filter { $0.state.isFinished }
            if finished.count >= count { return finished }
            try Task.checkCancellation()
            for await update in stream where update.ref.dagId == dagId && update.state.isFinished { break }
        }
    }
}

// MARK: - Transaction helpers

extension Scheduler {
    /// What the transaction needs to know of a DAG (DAG itself holds closures and stays in the actor).
    struct DagSnapshot: Sendable {
        let dagId: String
        let condition: AssetCondition
        let mode: AssetTriggerMode
        let maxActiveRuns: Int
        let taskIds: [String]

        init?(_ dag: DAG) {
            guard let condition = dag.schedule.condition, let order = try? dag.topologicalOrder() else { return nil }
            dagId = dag.dagId
            self.condition = condition
            mode = dag.assetTriggering
            maxActiveRuns = dag.maxActiveRuns
            taskIds = order
        }
    }

    static func createRuns(_ db: Database, _ dag: DagSnapshot, aliases: [String: Set<AssetKey>],
                           now: Date) throws -> [DagRunRef] {
        let paused = try db.value(Bool.self, "SELECT is_paused FROM dag WHERE dag_id = ?", arguments: [dag.dagId]) ?? false
        let active = try db.value(Int.self, """
            SELECT COUNT(*) FROM dag_run WHERE dag_id = ? AND state IN ('queued', 'running')
            """, arguments: [dag.dagId]) ?? 0
        let capacity = paused ? 0 : dag.maxActiveRuns - active
        let plan = AssetRunPlanner.plan(condition: dag.condition, mode: dag.mode,
                                        queued: try queuedEvents(db, dagId: dag.dagId), aliases: aliases,
                                        capacity: capacity)
        var refs: [DagRunRef] = []
        for events in plan {
            let runId = newRunId(db, dagId: dag.dagId, type: .assetTriggered, now: now)
            try insertRun(db, dagId: dag.dagId, runId: runId, type: .assetTriggered, conf: .object([:]),
                          taskIds: dag.taskIds, now: now)
            for event in events {
                try db.run("INSERT INTO dag_run_asset_event(dag_id, run_id, asset_event_id) VALUES (?, ?, ?)",
                               arguments: [dag.dagId, runId, event.id])
                try db.run("DELETE FROM asset_event_queue WHERE dag_id = ? AND asset_event_id = ?",
                               arguments: [dag.dagId, event.id])
            }
            refs.append(DagRunRef(dagId: dag.dagId, runId: runId))
        }
        return refs
    }

    static func newRunId(_ db: Database, dagId: String, type: DagRunType, now: Date) -> String {
        let count = (try? db.value(Int.self, "SELECT COUNT(*) FROM dag_run WHERE dag_id = ?", arguments: [dagId])) ?? 0
        return "\(type.rawValue)__\(EventTime.format(now))__\(count + 1)"
    }

    static func insertRun(_ db: Database, dagId: String, runId: String, type: DagRunType, conf: JSONValue,
                          taskIds: [String], now: Date) throws {
        let exists = try db.value(Bool.self, "SELECT 1 FROM dag_run WHERE dag_id = ? AND run_id = ?",
                                       arguments: [dagId, runId]) ?? false
        guard !exists else { throw DagError.duplicateRunId(dagId: dagId, runId: runId) }
        try db.run("""
            INSERT INTO dag_run(dag_id, run_id, run_type, state, conf, queued_at) VALUES (?, ?, ?, 'queued', ?, ?)
            """, arguments: [dagId, runId, type.rawValue, conf.jsonText, now.timeIntervalSince1970])
        for taskId in taskIds {
            try db.run("""
                INSERT INTO task_instance(dag_id, run_id, task_id, state) VALUES (?, ?, ?, 'scheduled')
                """, arguments: [dagId, runId, taskId])
        }
    }

    static func queuedEvents(_ db: Database, dagId: String) throws -> [AssetEvent] {
        try db.rows("""
            SELECT e.* FROM asset_event_queue q JOIN asset_event e ON e.id = q.asset_event_id
            WHERE q.dag_id = ? ORDER BY e.id
            """, arguments: [dagId]).map(assetEvent)
    }

    static func aliasResolution(_ db: Database) throws -> [String: Set<AssetKey>] {
        var result: [String: Set<AssetKey>] = [:]
        for row in try db.rows("SELECT alias, name, uri FROM asset_alias_resolution") {
            result[row["alias"], default: []].insert(AssetKey(name: row["name"], uri: row["uri"]))
        }
        return result
    }

    static func watcherName(_ source: AssetEventSource) -> String? {
        if case .watcher(let name, _) = source { return name }
        return nil
    }

    static func sourceColumns(_ source: AssetEventSource) -> (dag: String?, run: String?, task: String?, watcher: String?) {
        switch source {
        case .task(let dag, let run, let task): (dag, run, task, nil)
        case .watcher(let name, _): (nil, nil, nil, name)
        case .api: (nil, nil, nil, nil)
        }
    }

    static func assetEvent(_ db: Database, kind: String, watcher: String?, messageId: String) throws -> AssetEvent? {
        try db.row("""
            SELECT * FROM asset_event WHERE source_kind = ? AND source_watcher IS ? AND source_message_id = ?
            """, arguments: [kind, watcher, messageId]).map(assetEvent)
    }

    static func assetEvent(_ row: Row) -> AssetEvent {
        let kind: String = row["source_kind"]
        let source: AssetEventSource = switch kind {
        case "task": .task(dagId: row["source_dag_id"], runId: row["source_run_id"], taskId: row["source_task_id"])
        case "watcher": .watcher(name: row["source_watcher"], messageId: row["source_message_id"])
        default: .api(messageId: row["source_message_id"])
        }
        let extraText: String = row["extra"]
        let extra = (try? JSONValue.parse(extraText))?.objectValue ?? [:]
        return AssetEvent(id: row["id"], asset: AssetKey(name: row["name"], uri: row["uri"]), extra: extra,
                          source: source, alias: row["alias"],
                          timestamp: Date(timeIntervalSince1970: row["timestamp"]))
    }

    static func fetchRuns(_ db: Database, dagId: String, runId: String?) throws -> [DagRun] {
        let rows = try db.rows("""
            SELECT * FROM dag_run WHERE dag_id = ? AND (? IS NULL OR run_id = ?) ORDER BY queued_at, rowid
            """, arguments: [dagId, runId, runId])
        return try rows.map { row in
            let runId: String = row["run_id"]
            let events = try db.rows("""
                SELECT e.* FROM dag_run_asset_event r JOIN asset_event e ON e.id = r.asset_event_id
                WHERE r.dag_id = ? AND r.run_id = ? ORDER BY e.id
                """, arguments: [dagId, runId]).map(assetEvent)
            let tasks = try db.rows("""
                SELECT * FROM task_instance WHERE dag_id = ? AND run_id = ? ORDER BY rowid
                """, arguments: [dagId, runId]).map { ti in
                TaskInstance(taskId: ti["task_id"], state: TaskState(rawValue: ti["state"]) ?? .scheduled,
                             tryNumber: ti["try_number"],
                             startedAt: (ti["started_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                             endedAt: (ti["ended_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                             note: ti["note"],
                             returnValue: (ti["return_value"] as String?).flatMap { try? JSONValue.parse($0) })
            }
            let confText: String = row["conf"]
            return DagRun(dagId: dagId, runId: runId,
                          runType: DagRunType(rawValue: row["run_type"]) ?? .manual,
                          state: DagRunState(rawValue: row["state"]) ?? .queued,
                          conf: (try? JSONValue.parse(confText)) ?? .object([:]),
                          queuedAt: Date(timeIntervalSince1970: row["queued_at"]),
                          startedAt: (row["started_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                          endedAt: (row["ended_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                          triggeringAssetEvents: events, taskInstances: tasks)
        }
    }
}
