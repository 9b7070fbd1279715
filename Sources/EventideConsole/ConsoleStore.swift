import Eventide
import Foundation
import GRDB

/// The console's read model: every query the console makes of the store, in one place, read through a read-only
/// connection pool beside the runtime's.
///
/// It reads the tables the runtime writes (`dag`, `dag_run`, `task_instance`, `asset`, `asset_event`,
/// `asset_event_queue`, `asset_alias_resolution`, `dead_letter`, the embedded queues), so it works on any example's
/// store without the example's DAG definitions: a DAG's schedule condition comes from the `asset_expression` the
/// scheduler stores at registration, and what it still awaits is that condition evaluated over its queue.
///
/// ```swift
/// let store = try ConsoleStore(database: EventideDatabase(path: "orders.sqlite"))
/// for dag in try await store.dags() { print(dag.dagId, dag.awaiting) }
/// ```
public struct ConsoleStore: Sendable {
    public let database: EventideDatabase
    /// Where `overview()` reports the depths it samples (the process's metrics by default).
    public let metrics: RuntimeMetrics
    private let reader: DatabasePool

    /// Opens a read-only pool on the database's file (in WAL mode readers never block the runtime's writer).
    public init(database: EventideDatabase, metrics: RuntimeMetrics = RuntimeMetrics()) throws(ConsoleError) {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        do {
            reader = try DatabasePool(path: database.path, configuration: configuration)
        } catch {
            throw ConsoleError.cannotReadStore(path: database.path, reason: "\(error)")
        }
        self.database = database
        self.metrics = metrics
    }

    // MARK: Overview

    public func overview() async throws -> Overview {
        let depths = try await metrics.sampleStore(database)
        return try await reader.read { db in
            let runs = try Self.runCounts(db, dagId: nil)
            return Overview(
                dags: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dag") ?? 0, runs: runs,
                assets: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM asset") ?? 0,
                assetEvents: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM asset_event") ?? 0,
                deadLettersWaiting: depths.deadLettersWaiting.values.reduce(0, +), depths: depths)
        }
    }

    // MARK: DAGs

    /// Every DAG of the store, by id.
    public func dags() async throws -> [DagRow] {
        try await reader.read { db in
            let aliases = try Self.aliases(db)
            return try Row.fetchAll(
                db, sql: "SELECT dag_id, is_paused, asset_expression, timetable_summary FROM dag ORDER BY dag_id"
            ).map { try Self.dagRow($0, aliases: aliases, db) }
        }
    }

    public func dag(_ dagId: String) async throws -> DagRow? {
        try await reader.read { db in
            try Row.fetchOne(
                db, sql: "SELECT dag_id, is_paused, asset_expression, timetable_summary FROM dag WHERE dag_id = ?",
                arguments: [dagId]
            ).map { try Self.dagRow($0, aliases: try Self.aliases(db), db) }
        }
    }

    /// The events queued for a DAG, oldest first.
    public func queuedEvents(dagId: String) async throws -> [EventRow] {
        try await reader.read { db in
            try Self.events(
                db,
                where: "e.id IN (SELECT asset_event_id FROM asset_event_queue WHERE dag_id = ?)", [dagId],
                newestFirst: false, limit: nil)
        }
    }

    private static func dagRow(_ row: Row, aliases: [String: Set<AssetKey>], _ db: Database) throws -> DagRow {
        let dagId: String = row["dag_id"]
        let condition = (row["asset_expression"] as String?).flatMap {
            try? JSONDecoder().decode(AssetCondition.self, from: Data($0.utf8))
        }
        let queued = try Row.fetchAll(
            db,
            sql: """
                SELECT e.name, e.uri, COUNT(*) AS events FROM asset_event_queue q
                JOIN asset_event e ON e.id = q.asset_event_id WHERE q.dag_id = ? GROUP BY e.name, e.uri
                """, arguments: [dagId]
        ).map { QueuedAsset(asset: AssetKey(name: $0["name"], uri: $0["uri"]), events: $0["events"]) }
            .sorted { $0.asset < $1.asset }
        return DagRow(
            dagId: dagId, isPaused: row["is_paused"], timetableSummary: row["timetable_summary"],
            condition: condition, queued: queued,
            awaiting: condition?.missing(updated: Set(queued.map(\.asset)), aliases: aliases) ?? [],
            runs: try runCounts(db, dagId: dagId))
    }

    private static func runCounts(_ db: Database, dagId: String?) throws -> [DagRunState: Int] {
        var counts: [DagRunState: Int] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT state, COUNT(*) AS runs FROM dag_run WHERE ?1 IS NULL OR dag_id = ?1 GROUP BY state",
            arguments: [dagId])
        {
            counts[DagRunState(rawValue: row["state"]) ?? .queued, default: 0] += row["runs"] as Int
        }
        return counts
    }

    private static func aliases(_ db: Database) throws -> [String: Set<AssetKey>] {
        var result: [String: Set<AssetKey>] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT alias, name, uri FROM asset_alias_resolution") {
            result[row["alias"], default: []].insert(AssetKey(name: row["name"], uri: row["uri"]))
        }
        return result
    }

    // MARK: Runs

    /// Runs, newest first: of one DAG, or of all.
    public func runs(dagId: String? = nil, limit: Int = 200) async throws -> [RunRow] {
        try await reader.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.*, (SELECT COUNT(*) FROM dag_run_asset_event a WHERE a.dag_id = r.dag_id AND a.run_id = r.run_id)
                        AS triggering_events
                    FROM dag_run r WHERE ?1 IS NULL OR r.dag_id = ?1 ORDER BY r.queued_at DESC, r.rowid DESC LIMIT ?2
                    """, arguments: [dagId, limit]
            ).map(Self.runRow)
        }
    }

    public func run(_ ref: DagRunRef) async throws -> RunDetail? {
        try await reader.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT r.*, (SELECT COUNT(*) FROM dag_run_asset_event a WHERE a.dag_id = r.dag_id
                            AND a.run_id = r.run_id) AS triggering_events
                        FROM dag_run r WHERE r.dag_id = ? AND r.run_id = ?
                        """, arguments: [ref.dagId, ref.runId])
            else { return nil }
            let tasks = try Row.fetchAll(
                db, sql: "SELECT * FROM task_instance WHERE dag_id = ? AND run_id = ? ORDER BY rowid",
                arguments: [ref.dagId, ref.runId]
            ).map { task in
                TaskRow(
                    taskId: task["task_id"], state: TaskState(rawValue: task["state"]) ?? .scheduled,
                    tryNumber: task["try_number"], startedAt: date(task["started_at"]), endedAt: date(task["ended_at"]),
                    note: task["note"])
            }
            let events = try Self.events(
                db,
                where: "e.id IN (SELECT asset_event_id FROM dag_run_asset_event WHERE dag_id = ? AND run_id = ?)",
                [ref.dagId, ref.runId], newestFirst: false, limit: nil)
            return RunDetail(run: Self.runRow(row), tasks: tasks, triggeringEvents: events)
        }
    }

    private static func runRow(_ row: Row) -> RunRow {
        RunRow(
            ref: DagRunRef(dagId: row["dag_id"], runId: row["run_id"]),
            runType: DagRunType(rawValue: row["run_type"]) ?? .manual,
            state: DagRunState(rawValue: row["state"]) ?? .queued,
            queuedAt: Date(timeIntervalSince1970: row["queued_at"]), startedAt: date(row["started_at"]),
            endedAt: date(row["ended_at"]), logicalDate: date(row["logical_date"]), note: row["note"],
            triggeringEvents: row["triggering_events"])
    }

    // MARK: Assets

    /// Every asset, by id, with how many events it has and when the last was recorded.
    public func assets() async throws -> [AssetRow] {
        try await reader.read { db in
            var summaries: [AssetKey: (events: Int, last: Double)] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT name, uri, COUNT(*) AS events, MAX(timestamp) AS last FROM asset_event GROUP BY name, uri")
            {
                summaries[AssetKey(name: row["name"], uri: row["uri"])] = (row["events"], row["last"])
            }
            return try Row.fetchAll(db, sql: "SELECT rowid AS id, name, uri, asset_group FROM asset ORDER BY rowid")
                .map { row in
                    let key = AssetKey(name: row["name"], uri: row["uri"])
                    let summary = summaries[key]
                    return AssetRow(
                        id: row["id"], key: key, group: row["asset_group"], events: summary?.events ?? 0,
                        lastEventAt: summary.map { Date(timeIntervalSince1970: $0.last) })
                }
        }
    }

    public func asset(id: Int64) async throws -> AssetRow? {
        try await assets().first { $0.id == id }
    }

    /// An asset's events, newest first, at most `limit`.
    public func events(of asset: AssetKey, limit: Int = 200) async throws -> [EventRow] {
        try await reader.read { db in
            try Self.events(
                db, where: "e.name = ? AND e.uri = ?", [asset.name, asset.uri], newestFirst: true, limit: limit)
        }
    }

    /// Events matching `condition` (one of this file's constant SQL fragments over `e`, the event), with the DAGs
    /// each is queued for and the runs it triggered.
    private static func events(
        _ db: Database, where condition: String, _ arguments: StatementArguments, newestFirst: Bool, limit: Int?
    ) throws -> [EventRow] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT e.*, a.rowid AS asset_id FROM asset_event e LEFT JOIN asset a ON a.name = e.name AND a.uri = e.uri
                WHERE \(condition) ORDER BY e.id \(newestFirst ? "DESC" : "ASC") LIMIT ?
                """, arguments: arguments + [limit ?? -1])
        let ids = rows.map { $0["id"] as Int64 }
        guard !ids.isEmpty else { return [] }
        let placeholders = databaseQuestionMarks(count: ids.count)
        var queued: [Int64: [String]] = [:]
        for row in try Row.fetchAll(
            db,
            sql: "SELECT asset_event_id, dag_id FROM asset_event_queue WHERE asset_event_id IN (\(placeholders)) "
                + "ORDER BY dag_id", arguments: StatementArguments(ids))
        {
            queued[row["asset_event_id"], default: []].append(row["dag_id"])
        }
        var triggered: [Int64: [DagRunRef]] = [:]
        for row in try Row.fetchAll(
            db,
            sql:
                "SELECT asset_event_id, dag_id, run_id FROM dag_run_asset_event WHERE asset_event_id IN (\(placeholders)) "
                + "ORDER BY dag_id, run_id", arguments: StatementArguments(ids))
        {
            triggered[row["asset_event_id"], default: []].append(DagRunRef(dagId: row["dag_id"], runId: row["run_id"]))
        }
        return rows.map { row in
            let id: Int64 = row["id"]
            return EventRow(
                id: id, assetId: row["asset_id"], asset: AssetKey(name: row["name"], uri: row["uri"]),
                source: source(row), extra: row["extra"], alias: row["alias"],
                timestamp: Date(timeIntervalSince1970: row["timestamp"]), queuedFor: queued[id] ?? [],
                triggeredRuns: triggered[id] ?? [])
        }
    }

    /// Who recorded an event, from its `source_*` columns (as the runtime writes them).
    private static func source(_ row: Row) -> AssetEventSource {
        switch row["source_kind"] as String {
        case "task": .task(dagId: row["source_dag_id"], runId: row["source_run_id"], taskId: row["source_task_id"])
        case "watcher": .watcher(name: row["source_watcher"], messageId: row["source_message_id"])
        default: .api(messageId: row["source_message_id"])
        }
    }

    // MARK: Watchers and other sources

    /// The watchers that recorded events and every source that dead-lettered messages, by name: what the store
    /// knows of them without a running triggerer.
    public func sources() async throws -> [SourceRow] {
        try await reader.read { db in
            var recorded: [String: (assets: [AssetKey], events: Int, last: Double)] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT source_watcher, name, uri, COUNT(*) AS events, MAX(timestamp) AS last FROM asset_event
                    WHERE source_kind = 'watcher' GROUP BY source_watcher, name, uri ORDER BY uri, name
                    """)
            {
                var entry = recorded[row["source_watcher"], default: ([], 0, 0)]
                entry.assets.append(AssetKey(name: row["name"], uri: row["uri"]))
                entry.events += row["events"] as Int
                entry.last = max(entry.last, row["last"])
                recorded[row["source_watcher"]] = entry
            }
            var letters: [String: (waiting: Int, total: Int, reason: String, at: Double)] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT d.source, SUM(d.redriven_at IS NULL) AS waiting, COUNT(*) AS total,
                        (SELECT reason FROM dead_letter l WHERE l.source = d.source ORDER BY l.id DESC LIMIT 1) AS reason,
                        MAX(d.dead_lettered_at) AS at
                    FROM dead_letter d GROUP BY d.source
                    """)
            {
                letters[row["source"]] = (row["waiting"], row["total"], row["reason"], row["at"])
            }
            return Set(recorded.keys).union(letters.keys).sorted().map { name in
                let events = recorded[name], dead = letters[name]
                return SourceRow(
                    name: name, assets: events?.assets ?? [], eventsRecorded: events?.events ?? 0,
                    lastEventAt: events.map { Date(timeIntervalSince1970: $0.last) },
                    deadLettersWaiting: dead?.waiting ?? 0, deadLettersTotal: dead?.total ?? 0,
                    lastDeadLetterReason: dead?.reason,
                    lastDeadLetterAt: dead.map { Date(timeIntervalSince1970: $0.at) })
            }
        }
    }
}

private func date(_ seconds: Double?) -> Date? { seconds.map(Date.init(timeIntervalSince1970:)) }
