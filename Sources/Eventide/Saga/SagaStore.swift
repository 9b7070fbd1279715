import Foundation
import GRDB

/// The saga tables of the store and the SQL that reads and changes them. Every change of state writes its
/// ``SagaTransition`` in the same transaction, so the history and the state never disagree, even after SIGKILL.
enum SagaStore {
    /// Adds the saga tables to the runtime's migrations (called once from `EventideDatabase.migrator`).
    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-saga") { db in
            try db.execute(
                sql: """
                    CREATE TABLE saga_instance (
                        saga_id TEXT PRIMARY KEY NOT NULL,
                        saga_name TEXT NOT NULL,
                        status TEXT NOT NULL,
                        input TEXT NOT NULL,
                        failed_step TEXT,
                        failure TEXT,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL);
                    CREATE TABLE saga_step (
                        saga_id TEXT NOT NULL REFERENCES saga_instance(saga_id),
                        step_index INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        idempotency_key TEXT NOT NULL,
                        action_state TEXT NOT NULL,
                        action_attempts INTEGER NOT NULL DEFAULT 0,
                        result TEXT,
                        action_error TEXT,
                        compensation_state TEXT NOT NULL,
                        compensation_attempts INTEGER NOT NULL DEFAULT 0,
                        compensation_error TEXT,
                        PRIMARY KEY (saga_id, step_index)) WITHOUT ROWID;
                    CREATE TABLE saga_transition (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        saga_id TEXT NOT NULL REFERENCES saga_instance(saga_id),
                        step TEXT,
                        kind TEXT NOT NULL,
                        attempt INTEGER NOT NULL,
                        detail TEXT,
                        at REAL NOT NULL,
                        process_id INTEGER NOT NULL);
                    CREATE INDEX saga_transition_saga ON saga_transition(saga_id, sequence);
                    """)
        }
    }

    static func instance(_ db: Database, sagaId: String) throws -> SagaInstance? {
        guard let row = try db.row("SELECT * FROM saga_instance WHERE saga_id = ?", arguments: [sagaId]) else {
            return nil
        }
        let steps = try db.rows(
            "SELECT * FROM saga_step WHERE saga_id = ? ORDER BY step_index", arguments: [sagaId]
        ).map { row in
            SagaInstance.Step(
                index: row["step_index"], name: row["name"], idempotencyKey: row["idempotency_key"],
                action: SagaInstance.ActionState(rawValue: row["action_state"]) ?? .pending,
                actionAttempts: row["action_attempts"], result: try decode(row["result"]),
                actionError: row["action_error"],
                compensation: SagaInstance.CompensationState(rawValue: row["compensation_state"]) ?? .notNeeded,
                compensationAttempts: row["compensation_attempts"], compensationError: row["compensation_error"])
        }
        return SagaInstance(
            sagaId: sagaId, sagaName: row["saga_name"],
            status: SagaInstance.Status(rawValue: row["status"]) ?? .running,
            input: try decode(row["input"]) ?? .null, steps: steps, failedStep: row["failed_step"],
            failure: row["failure"])
    }

    /// Inserts a new saga with every step pending, and its `sagaStarted` transition.
    static func insert(_ db: Database, saga: Saga, sagaId: String, input: JSONValue, at now: Date) throws
        -> SagaTransition
    {
        try db.run(
            """
            INSERT INTO saga_instance(saga_id, saga_name, status, input, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            arguments: [
                sagaId, saga.name, SagaInstance.Status.running.rawValue, input.jsonText,
                now.timeIntervalSince1970, now.timeIntervalSince1970,
            ])
        for (index, step) in saga.steps.enumerated() {
            try db.run(
                """
                INSERT INTO saga_step(saga_id, step_index, name, idempotency_key, action_state, compensation_state)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
                arguments: [
                    sagaId, index, step.name,
                    SagaStepContext.idempotencyKey(sagaId: sagaId, step: step.name, phase: .action),
                    SagaInstance.ActionState.pending.rawValue, SagaInstance.CompensationState.notNeeded.rawValue,
                ])
        }
        return try record(db, sagaId: sagaId, step: nil, kind: .sagaStarted, attempt: 0, detail: nil, at: now)
    }

    /// Writes one step's state (every field the coordinator changes) and the transition that changed it.
    static func update(
        _ db: Database, sagaId: String, step: SagaInstance.Step, kind: SagaTransition.Kind, attempt: Int,
        detail: String?, at now: Date
    ) throws -> SagaTransition {
        try db.run(
            """
            UPDATE saga_step SET action_state = ?, action_attempts = ?, result = ?, action_error = ?,
                compensation_state = ?, compensation_attempts = ?, compensation_error = ?
            WHERE saga_id = ? AND step_index = ?
            """,
            arguments: [
                step.action.rawValue, step.actionAttempts, step.result?.jsonText, step.actionError,
                step.compensation.rawValue, step.compensationAttempts, step.compensationError, sagaId, step.index,
            ])
        try db.run(
            "UPDATE saga_instance SET updated_at = ? WHERE saga_id = ?", arguments: [now.timeIntervalSince1970, sagaId])
        return try record(db, sagaId: sagaId, step: step.name, kind: kind, attempt: attempt, detail: detail, at: now)
    }

    /// Writes the saga's status (and the failure that started compensating) with its transition.
    static func setStatus(
        _ db: Database, _ instance: SagaInstance, kind: SagaTransition.Kind, detail: String?, at now: Date
    ) throws -> SagaTransition {
        try db.run(
            "UPDATE saga_instance SET status = ?, failed_step = ?, failure = ?, updated_at = ? WHERE saga_id = ?",
            arguments: [
                instance.status.rawValue, instance.failedStep, instance.failure, now.timeIntervalSince1970,
                instance.sagaId,
            ])
        return try record(db, sagaId: instance.sagaId, step: nil, kind: kind, attempt: 0, detail: detail, at: now)
    }

    static func record(
        _ db: Database, sagaId: String, step: String?, kind: SagaTransition.Kind, attempt: Int, detail: String?,
        at now: Date
    ) throws -> SagaTransition {
        let processId = ProcessInfo.processInfo.processIdentifier
        try db.run(
            """
            INSERT INTO saga_transition(saga_id, step, kind, attempt, detail, at, process_id)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            arguments: [sagaId, step, kind.rawValue, attempt, detail, now.timeIntervalSince1970, processId])
        return SagaTransition(
            sequence: db.lastInsertedRowID, sagaId: sagaId, step: step, kind: kind, attempt: attempt,
            detail: detail, date: now, processId: processId)
    }

    static func transitions(_ db: Database, sagaId: String?) throws -> [SagaTransition] {
        let rows =
            if let sagaId {
                try db.rows("SELECT * FROM saga_transition WHERE saga_id = ? ORDER BY sequence", arguments: [sagaId])
            } else {
                try db.rows("SELECT * FROM saga_transition ORDER BY sequence")
            }
        return rows.map { row in
            SagaTransition(
                sequence: row["sequence"], sagaId: row["saga_id"], step: row["step"],
                kind: SagaTransition.Kind(rawValue: row["kind"]) ?? .sagaStarted, attempt: row["attempt"],
                detail: row["detail"], date: Date(timeIntervalSince1970: row["at"]), processId: row["process_id"])
        }
    }

    static func sagaIds(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT saga_id FROM saga_instance ORDER BY created_at, saga_id")
    }

    private static func decode(_ text: String?) throws -> JSONValue? {
        guard let text else { return nil }
        return try JSONValue.parse(text)
    }
}
