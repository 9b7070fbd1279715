import Foundation
import GRDB

/// How far one try of a sensor task has got: when it first poked and how many pokes it made, stored in
/// `sensor_progress` (as Airflow's `task_reschedule` rows keep the first poke), so that the timeout counts from
/// the first poke across reschedules and when a stopped executor's run is resumed.
///
/// ```swift
/// let progress = try await SensorProgress.read(ref, taskId: "wait_for_export", tryNumber: 1, in: database)
/// print(progress?.pokes ?? 0, progress?.firstPokeAt as Any)
/// ```
public struct SensorProgress: Sendable, Hashable, Codable {
    public let firstPokeAt: Date
    public var pokes: Int
    public var lastPokeAt: Date

    public init(firstPokeAt: Date, pokes: Int = 0, lastPokeAt: Date? = nil) {
        self.firstPokeAt = firstPokeAt
        self.pokes = pokes
        self.lastPokeAt = lastPokeAt ?? firstPokeAt
    }

    /// The stored progress of a sensor task's try, if it has poked.
    public static func read(
        _ ref: DagRunRef, taskId: String, tryNumber: Int, in database: EventideDatabase
    ) async throws -> SensorProgress? {
        try await database.pool.read { db in
            try db.row(
                "SELECT first_poke_at, pokes, last_poke_at FROM sensor_progress "
                    + "WHERE dag_id = ? AND run_id = ? AND task_id = ? AND try_number = ?",
                arguments: [ref.dagId, ref.runId, taskId, tryNumber]
            ).map { row in
                SensorProgress(
                    firstPokeAt: Date(timeIntervalSince1970: row["first_poke_at"]), pokes: row["pokes"],
                    lastPokeAt: Date(timeIntervalSince1970: row["last_poke_at"]))
            }
        }
    }

    func write(_ ref: DagRunRef, taskId: String, tryNumber: Int, in database: EventideDatabase) async throws {
        let values: StatementArguments = [
            ref.dagId, ref.runId, taskId, tryNumber, firstPokeAt.timeIntervalSince1970, pokes,
            lastPokeAt.timeIntervalSince1970,
        ]
        try await database.pool.write { db in
            try db.run(
                """
                INSERT INTO sensor_progress (dag_id, run_id, task_id, try_number, first_poke_at, pokes, last_poke_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (dag_id, run_id, task_id, try_number)
                DO UPDATE SET pokes = excluded.pokes, last_poke_at = excluded.last_poke_at
                """, arguments: values)
        }
    }

    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-sensor-progress") { db in
            try db.execute(
                sql: """
                    CREATE TABLE sensor_progress (
                        dag_id TEXT NOT NULL,
                        run_id TEXT NOT NULL,
                        task_id TEXT NOT NULL,
                        try_number INTEGER NOT NULL,
                        first_poke_at REAL NOT NULL,
                        pokes INTEGER NOT NULL,
                        last_poke_at REAL NOT NULL,
                        PRIMARY KEY (dag_id, run_id, task_id, try_number)) WITHOUT ROWID;
                    """)
        }
    }
}
