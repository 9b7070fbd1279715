import Foundation
import GRDB

/// The SQLite database behind the runtime: the durable event log, asset events and their queues,
/// DAG runs and task instances, in one file.
///
/// Opened in WAL mode, so readers never block the writer. `synchronous` is `FULL` by default: every commit is
/// flushed to disk (an fsync of the WAL) before it returns, so the commit that precedes an acknowledgement to an
/// external source (deleting an SQS message, committing a Kafka offset, advancing a replication slot) survives an
/// OS crash or a power cut, not only a killed process. `.normal` survives a killed process only (the crash test
/// proves it) and saves the fsync per commit; use it for data a source can deliver again.
public struct EventideDatabase: Sendable {
    public enum Durability: String, Sendable, CaseIterable {
        case normal = "NORMAL", full = "FULL"

        /// SQLite's number for the level, as `PRAGMA synchronous` reads it back.
        var level: Int { self == .full ? 2 : 1 }
    }

    public let path: String
    public let durability: Durability
    let pool: DatabasePool

    public init(path: String, durability: Durability = .full) throws(StoreError) {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        do {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
                throw StoreError.cannotOpen(
                    path: path, sqliteCode: nil, reason: "the folder \(directory) does not exist")
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            // Not in `prepareDatabase`: the pool switches its writer to WAL after that hook, and that resets
            // `synchronous` to NORMAL. Set on the writer now, it holds for the pool's life (one writer connection).
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(durability.rawValue)")
            }
            try Self.migrator.migrate(pool)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(
                path: path, sqliteCode: error.resultCode.primaryResultCode.rawValue,
                reason: error.message ?? "\(error)")
        } catch {
            throw StoreError.cannotOpen(path: path, sqliteCode: nil, reason: "\(error)")
        }
        self.path = path
        self.durability = durability
    }

    /// A new database in a fresh temporary folder (what examples use by default).
    public static func temporary(prefix: String = "eventide") throws(StoreError) -> EventideDatabase {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError.cannotOpen(path: folder.path, sqliteCode: nil, reason: "\(error)")
        }
        return try EventideDatabase(path: folder.appendingPathComponent("eventide.sqlite").path)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // Durable event log.
            try db.execute(
                sql: """
                    CREATE TABLE log_topic (
                        name TEXT PRIMARY KEY NOT NULL,
                        partitions INTEGER NOT NULL CHECK (partitions > 0));
                    CREATE TABLE log_record (
                        topic TEXT NOT NULL REFERENCES log_topic(name),
                        partition INTEGER NOT NULL,
                        "offset" INTEGER NOT NULL,
                        key TEXT,
                        idempotency_key TEXT,
                        event_id TEXT NOT NULL,
                        event TEXT NOT NULL,
                        appended_at REAL NOT NULL,
                        PRIMARY KEY (topic, partition, "offset")) WITHOUT ROWID;
                    CREATE UNIQUE INDEX log_record_idempotency ON log_record(topic, idempotency_key)
                        WHERE idempotency_key IS NOT NULL;
                    CREATE TABLE log_consumer_offset (
                        consumer_group TEXT NOT NULL,
                        topic TEXT NOT NULL,
                        partition INTEGER NOT NULL,
                        next_offset INTEGER NOT NULL,
                        PRIMARY KEY (consumer_group, topic, partition)) WITHOUT ROWID;
                    """)
            // Assets, asset events and the per-DAG queue of events not yet consumed by a run.
            try db.execute(
                sql: """
                    CREATE TABLE asset (
                        name TEXT NOT NULL, uri TEXT NOT NULL, asset_group TEXT NOT NULL, extra TEXT NOT NULL,
                        PRIMARY KEY (name, uri));
                    CREATE TABLE asset_alias_resolution (
                        alias TEXT NOT NULL, name TEXT NOT NULL, uri TEXT NOT NULL,
                        PRIMARY KEY (alias, name, uri));
                    CREATE TABLE asset_event (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        name TEXT NOT NULL, uri TEXT NOT NULL,
                        extra TEXT NOT NULL,
                        source_kind TEXT NOT NULL,
                        source_dag_id TEXT, source_run_id TEXT, source_task_id TEXT,
                        source_watcher TEXT, source_message_id TEXT,
                        alias TEXT,
                        timestamp REAL NOT NULL);
                    CREATE UNIQUE INDEX asset_event_message ON asset_event(source_kind, source_watcher, source_message_id)
                        WHERE source_message_id IS NOT NULL;
                    CREATE TABLE asset_event_queue (
                        dag_id TEXT NOT NULL,
                        asset_event_id INTEGER NOT NULL REFERENCES asset_event(id),
                        PRIMARY KEY (dag_id, asset_event_id)) WITHOUT ROWID;
                    """)
            // DAGs, runs and task instances.
            try db.execute(
                sql: """
                    CREATE TABLE dag (dag_id TEXT PRIMARY KEY NOT NULL, is_paused INTEGER NOT NULL DEFAULT 0);
                    CREATE TABLE dag_run (
                        dag_id TEXT NOT NULL, run_id TEXT NOT NULL,
                        run_type TEXT NOT NULL, state TEXT NOT NULL,
                        conf TEXT NOT NULL,
                        queued_at REAL NOT NULL, started_at REAL, ended_at REAL,
                        PRIMARY KEY (dag_id, run_id));
                    CREATE TABLE dag_run_asset_event (
                        dag_id TEXT NOT NULL, run_id TEXT NOT NULL, asset_event_id INTEGER NOT NULL,
                        PRIMARY KEY (dag_id, run_id, asset_event_id)) WITHOUT ROWID;
                    CREATE TABLE task_instance (
                        dag_id TEXT NOT NULL, run_id TEXT NOT NULL, task_id TEXT NOT NULL,
                        state TEXT NOT NULL, try_number INTEGER NOT NULL DEFAULT 0,
                        started_at REAL, ended_at REAL, note TEXT,
                        return_value TEXT,
                        PRIMARY KEY (dag_id, run_id, task_id));
                    """)
        }
        migrator.registerMigration("v2") { db in
            // Messages that could not be processed, with the reason, kept until redriven.
            try db.execute(
                sql: """
                    CREATE TABLE dead_letter (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        source TEXT NOT NULL,
                        message_id TEXT,
                        payload TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        attempts INTEGER,
                        dead_lettered_at REAL NOT NULL,
                        redriven_at REAL);
                    CREATE INDEX dead_letter_source ON dead_letter(source, id);
                    """)
        }
        migrator.registerMigration("v3") { db in
            // Embedded queues with SQS semantics: visibility timeout, receive counts, redrive to a DLQ.
            try db.execute(
                sql: """
                    CREATE TABLE queue (
                        name TEXT PRIMARY KEY NOT NULL,
                        visibility_timeout REAL NOT NULL,
                        dead_letter_queue TEXT REFERENCES queue(name),
                        max_receives INTEGER);
                    CREATE TABLE queue_message (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        queue TEXT NOT NULL REFERENCES queue(name),
                        message_id TEXT NOT NULL,
                        body TEXT NOT NULL,
                        attributes TEXT NOT NULL,
                        sent_at REAL NOT NULL,
                        visible_at REAL NOT NULL,
                        receive_count INTEGER NOT NULL DEFAULT 0,
                        receipt TEXT);
                    CREATE INDEX queue_message_visible ON queue_message(queue, visible_at, seq);
                    CREATE UNIQUE INDEX queue_message_receipt ON queue_message(receipt) WHERE receipt IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v4") { db in
            // Airflow's run fields the REST API reads and writes: the logical date (nullable, unique per DAG when
            // set) and the run's note.
            try db.execute(
                sql: """
                    ALTER TABLE dag_run ADD COLUMN logical_date REAL;
                    ALTER TABLE dag_run ADD COLUMN note TEXT;
                    CREATE UNIQUE INDEX dag_run_logical_date ON dag_run(dag_id, logical_date)
                        WHERE logical_date IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v5-dag-schedule") { db in
            // What a DAG waits on, as Airflow's `dag` table keeps it, so that a reader of the store without the DAG
            // definitions (the web console, the REST API) can show it: the asset condition as JSON
            // (`AssetCondition`'s encoding) and a one-line summary of the schedule. Written at registration.
            try db.execute(
                sql: """
                    ALTER TABLE dag ADD COLUMN asset_expression TEXT;
                    ALTER TABLE dag ADD COLUMN timetable_summary TEXT;
                    """)
        }
        SagaStore.registerMigrations(in: &migrator)
        DeadLetterQueue.registerMigrations(in: &migrator)
        EventStore.registerMigrations(in: &migrator)
        Deduplicator.registerMigrations(in: &migrator)
        Resequencer.registerMigrations(in: &migrator)
        SensorProgress.registerMigrations(in: &migrator)
        SchedulerStore.registerMigrations(in: &migrator)
        LineageStore.registerMigrations(in: &migrator)
        return migrator
    }
}

extension EventideDatabase {
    /// SQLite's journal mode (`wal` once opened).
    public func journalMode() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// `synchronous` as the writer connection, the one every commit goes through, has it now; `nil` when
    /// SQLite reports a level the runtime does not set (OFF, EXTRA).
    public func writerDurability() throws -> Durability? {
        let level = try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        return Durability.allCases.first { $0.level == level }
    }
}
