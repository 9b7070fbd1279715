import Foundation
import GRDB

/// The scheduler's SQL: the statements its transactions run and the mapping of rows to asset events and runs.
/// Every function runs inside a transaction the caller opened.
enum SchedulerStore {
    /// Creates the runs `dag`'s queue makes now (the decision is `DagSnapshot.runsToCreate`), consuming their events.
    static func createRuns(
        _ db: Database, _ dag: DagSnapshot, aliases: [String: Set<AssetKey>],
        references: [AssetReference: AssetKey] = [:], now: Date, runType: DagRunType = .assetTriggered
    ) throws -> [DagRunRef] {
        var queue = try DagQueue(db, dagId: dag.dagId)
        return try createRuns(
            db, dag, queue: &queue, aliases: aliases, references: references, now: now, runType: runType)
    }

    static func newRunId(_ db: Database, dagId: String, type: DagRunType, now: Date) -> String {
        runId(type: type, now: now, number: ((try? runCount(db, dagId: dagId)) ?? 0) + 1)
    }

    /// A run id: the type, the time of creation and the run's number among the DAG's runs.
    static func runId(type: DagRunType, now: Date, number: Int) -> String {
        "\(type.rawValue)__\(EventTime.format(now))__\(number)"
    }

    static func runCount(_ db: Database, dagId: String) throws -> Int {
        try db.value(Int.self, "SELECT COUNT(*) FROM dag_run WHERE dag_id = ?", arguments: [dagId]) ?? 0
    }

    static func insertRun(
        _ db: Database, dagId: String, runId: String, type: DagRunType, conf: JSONValue,
        taskIds: [String], now: Date, logicalDate: Date? = nil, note: String? = nil
    ) throws {
        let exists =
            try db.value(
                Bool.self, "SELECT 1 FROM dag_run WHERE dag_id = ? AND run_id = ?",
                arguments: [dagId, runId]) ?? false
        guard !exists else { throw DagError.duplicateRunId(dagId: dagId, runId: runId) }
        if let logicalDate {
            let taken =
                try db.value(
                    Bool.self, "SELECT 1 FROM dag_run WHERE dag_id = ? AND logical_date = ?",
                    arguments: [dagId, logicalDate.timeIntervalSince1970]) ?? false
            guard !taken else { throw DagError.duplicateLogicalDate(dagId: dagId, logicalDate: logicalDate) }
        }
        try db.run(
            """
            INSERT INTO dag_run(dag_id, run_id, run_type, state, conf, queued_at, logical_date, note)
            VALUES (?, ?, ?, 'queued', ?, ?, ?, ?)
            """,
            arguments: [
                dagId, runId, type.rawValue, conf.jsonText, now.timeIntervalSince1970,
                logicalDate?.timeIntervalSince1970, note,
            ])
        for taskId in taskIds {
            try db.run(
                """
                INSERT INTO task_instance(dag_id, run_id, task_id, state) VALUES (?, ?, ?, 'scheduled')
                """, arguments: [dagId, runId, taskId])
        }
    }

    static func upsertAsset(_ db: Database, _ asset: Asset) throws {
        try db.run(
            """
            INSERT INTO asset(name, uri, asset_group, extra) VALUES (?, ?, ?, ?)
            ON CONFLICT(name, uri) DO UPDATE SET asset_group = excluded.asset_group, extra = excluded.extra
            """, arguments: [asset.name, asset.uri, asset.group, JSONValue.object(asset.extra).jsonText])
    }

    /// Stores a DAG the first time (paused if it says so) and, every time, what its schedule waits on.
    static func insertDag(_ db: Database, _ dag: DAG) throws {
        let expression = try dag.schedule.condition.map {
            String(decoding: try JSONEncoder().encode($0), as: UTF8.self)
        }
        try db.run(
            """
            INSERT INTO dag(dag_id, is_paused, asset_expression, timetable_summary) VALUES (?, ?, ?, ?)
            ON CONFLICT(dag_id) DO UPDATE SET asset_expression = excluded.asset_expression,
                timetable_summary = excluded.timetable_summary
            """,
            arguments: [dag.dagId, dag.isPausedUponCreation, expression, timetableSummary(dag.schedule)])
        try deleteStaleQueuedEvents(db, of: dag)
    }

    /// Airflow's `timetable_summary`: `None`, `Asset`, or the interval.
    static func timetableSummary(_ schedule: Schedule) -> String {
        switch schedule {
        case .none: return "None"
        case .assets: return "Asset"
        case .interval(let interval):
            let seconds = interval.inSeconds
            return "every \(seconds.rounded() == seconds ? String(Int(seconds)) : String(seconds)) s"
        case .assetOrTime(let schedule): return "Asset or " + timetableSummary(.interval(schedule.interval))
        case .assetAndTime(let schedule): return "Asset and " + timetableSummary(.interval(schedule.interval))
        }
    }

    /// Stores an asset event (and the alias resolutions it makes) and returns it. `aliases` are every alias it
    /// was emitted through (one event for all of them, as Airflow records it).
    static func insertAssetEvent(
        _ db: Database, _ asset: AssetKey, extra: [String: JSONValue],
        source: AssetEventSource, aliases: [AssetAlias], timestamp: Date
    ) throws -> AssetEvent {
        let names = Array(Set(aliases.map(\.name))).sorted()
        for name in names {
            try db.run(
                """
                INSERT OR IGNORE INTO asset_alias_resolution(alias, name, uri) VALUES (?, ?, ?)
                """, arguments: [name, asset.name, asset.uri])
        }
        let columns = sourceColumns(source)
        try db.run(
            """
            INSERT INTO asset_event(name, uri, extra, source_kind, source_dag_id, source_run_id, source_task_id,
                                    source_watcher, source_message_id, alias, source_aliases, timestamp)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            arguments: [
                asset.name, asset.uri, JSONValue.object(extra).jsonText, source.kind,
                columns.dag, columns.run, columns.task, columns.watcher, source.messageId,
                names.first, names.isEmpty ? nil : JSONValue.array(names.map(JSONValue.string)).jsonText,
                timestamp.timeIntervalSince1970,
            ])
        return AssetEvent(
            id: db.lastInsertedRowID, asset: asset, extra: extra, source: source,
            alias: names.first, sourceAliases: names, timestamp: timestamp)
    }

    /// A run's final state and end.
    static func finishRun(_ db: Database, _ ref: DagRunRef, state: DagRunState, now: Double) throws {
        try db.run(
            "UPDATE dag_run SET state = ?, ended_at = ? WHERE dag_id = ? AND run_id = ?",
            arguments: [state.rawValue, now, ref.dagId, ref.runId])
    }

    static func setTaskState(
        _ db: Database, _ ref: DagRunRef, taskId: String, state: TaskState, tryNumber: Int,
        note: String?, returnValue: JSONValue?, now: Double
    ) throws -> Bool {
        var started = false
        if state == .running {
            try db.run(
                "UPDATE dag_run SET state = 'running', started_at = ? "
                    + "WHERE dag_id = ? AND run_id = ? AND state = 'queued'",
                arguments: [now, ref.dagId, ref.runId])
            started = db.changesCount > 0
        }
        try db.run(
            """
            UPDATE task_instance SET state = ?, try_number = ?, note = COALESCE(?, note),
                return_value = COALESCE(?, return_value),
                started_at = CASE WHEN ? = 'running' AND started_at IS NULL THEN ? ELSE started_at END,
                ended_at = CASE WHEN ? IN ('success', 'failed', 'skipped', 'upstream_failed') THEN ? ELSE NULL END
            WHERE dag_id = ? AND run_id = ? AND task_id = ?
            """,
            arguments: [
                state.rawValue, tryNumber, note, returnValue?.jsonText, state.rawValue, now, state.rawValue, now,
                ref.dagId, ref.runId, taskId,
            ])
        return started
    }

    static func queuedEvents(_ db: Database, dagId: String) throws -> [AssetEvent] {
        try db.rows(
            """
            SELECT e.* FROM asset_event_queue q JOIN asset_event e ON e.id = q.asset_event_id
            WHERE q.dag_id = ? ORDER BY e.id
            """, arguments: [dagId]
        ).map(assetEvent)
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

    static func sourceColumns(_ source: AssetEventSource) -> (
        dag: String?, run: String?, task: String?, watcher: String?
    ) {
        switch source {
        case .task(let dag, let run, let task): (dag, run, task, nil)
        case .watcher(let name, _): (nil, nil, nil, name)
        case .api: (nil, nil, nil, nil)
        }
    }

    static func assetEvent(_ db: Database, kind: String, watcher: String?, messageId: String) throws -> AssetEvent? {
        try db.row(
            """
            SELECT * FROM asset_event WHERE source_kind = ? AND source_watcher IS ? AND source_message_id = ?
            """, arguments: [kind, watcher, messageId]
        ).map(assetEvent)
    }

    static func assetEvent(_ row: Row) -> AssetEvent {
        let kind: String = row["source_kind"]
        let source: AssetEventSource =
            switch kind {
            case "task": .task(dagId: row["source_dag_id"], runId: row["source_run_id"], taskId: row["source_task_id"])
            case "watcher": .watcher(name: row["source_watcher"], messageId: row["source_message_id"])
            default: .api(messageId: row["source_message_id"])
            }
        let extraText: String = row["extra"]
        let extra = (try? JSONValue.parse(extraText))?.objectValue ?? [:]
        // Events recorded before `source_aliases` existed (or read without the column) have their one alias.
        let aliasesText: String? = row.hasColumn("source_aliases") ? row["source_aliases"] : nil
        let sourceAliases = aliasesText.flatMap { try? JSONValue.parse($0) }?.arrayValue?.compactMap(\.stringValue)
        return AssetEvent(
            id: row["id"], asset: AssetKey(name: row["name"], uri: row["uri"]), extra: extra,
            source: source, alias: row["alias"], sourceAliases: sourceAliases,
            timestamp: Date(timeIntervalSince1970: row["timestamp"]))
    }

    static func fetchRuns(_ db: Database, dagId: String, runId: String?) throws -> [DagRun] {
        let rows = try db.rows(
            """
            SELECT * FROM dag_run WHERE dag_id = ? AND (? IS NULL OR run_id = ?) ORDER BY queued_at, rowid
            """, arguments: [dagId, runId, runId])
        return try rows.map { row in
            let runId: String = row["run_id"]
            let events = try db.rows(
                """
                SELECT e.* FROM dag_run_asset_event r JOIN asset_event e ON e.id = r.asset_event_id
                WHERE r.dag_id = ? AND r.run_id = ? ORDER BY e.id
                """, arguments: [dagId, runId]
            ).map(assetEvent)
            let tasks = try db.rows(
                """
                SELECT * FROM task_instance WHERE dag_id = ? AND run_id = ? ORDER BY rowid
                """, arguments: [dagId, runId]
            ).map { ti in
                TaskInstance(
                    taskId: ti["task_id"], state: TaskState(rawValue: ti["state"]) ?? .scheduled,
                    tryNumber: ti["try_number"],
                    startedAt: (ti["started_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                    endedAt: (ti["ended_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                    note: ti["note"],
                    returnValue: (ti["return_value"] as String?).flatMap { try? JSONValue.parse($0) })
            }
            let confText: String = row["conf"]
            return DagRun(
                dagId: dagId, runId: runId,
                runType: DagRunType(rawValue: row["run_type"]) ?? .manual,
                state: DagRunState(rawValue: row["state"]) ?? .queued,
                conf: (try? JSONValue.parse(confText)) ?? .object([:]),
                logicalDate: (row["logical_date"] as Double?).map(Date.init(timeIntervalSince1970:)),
                note: row["note"],
                queuedAt: Date(timeIntervalSince1970: row["queued_at"]),
                startedAt: (row["started_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                endedAt: (row["ended_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                triggeringAssetEvents: events, taskInstances: tasks)
        }
    }

    static func unfinishedRuns(_ db: Database) throws -> [DagRunRef] {
        try db.rows("SELECT dag_id, run_id FROM dag_run WHERE state IN ('queued', 'running') ORDER BY queued_at")
            .map { DagRunRef(dagId: $0["dag_id"], runId: $0["run_id"]) }
    }
}
