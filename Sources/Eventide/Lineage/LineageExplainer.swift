import Foundation
import GRDB

/// Answers "why did (or didn't) this event trigger that DAG?" from a store, after the fact, without the DAG
/// definitions: which DAGs schedule on the event's asset (directly, through an alias it resolves to, or through a
/// reference that names it), whether the event was queued for each, whether the condition is now met or what it
/// still awaits, whether the DAG is paused or at its active-run limit, and the run that consumed the event.
///
/// It reads the scheduler's tables (`dag`'s stored condition and pause flag, the queues, the runs and the events
/// they consumed, alias resolutions, registered assets) and the lineage tables (run limits, correlation ids).
/// `eventide-explain` prints what it returns.
public struct LineageExplainer: Sendable {
    public let database: EventideDatabase

    public init(database: EventideDatabase) { self.database = database }

    private struct DagRow {
        let dagId: String
        let condition: AssetCondition?
        let paused: Bool
        let timetable: String?
    }

    /// Explains one asset event, for every DAG that schedules on its asset or had it queued or consumed it.
    public func explain(event id: Int64) throws -> EventExplanation {
        try database.pool.read { db in
            guard
                let event = try db.row("SELECT * FROM asset_event WHERE id = ?", arguments: [id]).map(
                    SchedulerStore.assetEvent)
            else { throw LineageError.unknownEvent(id) }
            let dags = try Self.dags(db)
            let aliases = try SchedulerStore.aliasResolution(db)
            let references = try SchedulerStore.referenceResolution(db, for: dags.compactMap(\.condition))
            let queuedFor = Set(
                try String.fetchAll(
                    db, sql: "SELECT dag_id FROM asset_event_queue WHERE asset_event_id = ?", arguments: [id]))
            var consumedBy: [String: (runId: String, state: DagRunState)] = [:]
            for row in try db.rows(
                """
                SELECT r.dag_id, r.run_id, d.state FROM dag_run_asset_event r
                JOIN dag_run d ON d.dag_id = r.dag_id AND d.run_id = r.run_id
                WHERE r.asset_event_id = ? ORDER BY d.queued_at
                """, arguments: [id])
            where consumedBy[row["dag_id"]] == nil {
                consumedBy[row["dag_id"]] = (row["run_id"], DagRunState(rawValue: row["state"]) ?? .queued)
            }
            var consumers: [EventExplanation.Consumer] = []
            for dag in dags {
                let link = dag.condition.flatMap {
                    Self.link(of: $0, to: event.asset, aliases: aliases, references: references)
                }
                let queued = queuedFor.contains(dag.dagId)
                guard link != nil || queued || consumedBy[dag.dagId] != nil else { continue }
                let state = try Self.conditionState(dag, db, aliases: aliases, references: references)
                consumers.append(
                    EventExplanation.Consumer(
                        dagId: dag.dagId, link: link ?? .formerly, condition: dag.condition?.description ?? "none",
                        paused: dag.paused, queued: queued,
                        verdict: .decide(
                            consumedBy: consumedBy[dag.dagId], queued: queued, paused: dag.paused,
                            conditionMet: state.met, awaits: state.awaits,
                            activeRuns: try Self.activeRuns(dag.dagId, db),
                            maxActiveRuns: try Self.maxActiveRuns(dag.dagId, db), timeGated: Self.timeGated(dag))))
            }
            return EventExplanation(
                event: .init(id: event.id, asset: event.asset, source: event.source, timestamp: event.timestamp),
                lineage: try LineageStore.node(LineageNode.event(id), db), consumers: consumers)
        }
    }

    /// Explains one DAG: its condition over what is queued for it, and why no run has consumed that yet.
    public func explain(dag dagId: String) throws -> DagExplanation {
        try database.pool.read { db in
            guard let dag = try Self.dags(db).first(where: { $0.dagId == dagId }) else {
                throw LineageError.unknownDag(dagId)
            }
            let aliases = try SchedulerStore.aliasResolution(db)
            let references = try SchedulerStore.referenceResolution(db, for: dag.condition.map { [$0] } ?? [])
            let queued = try SchedulerStore.queuedEvents(db, dagId: dagId)
            let state = try Self.conditionState(dag, db, aliases: aliases, references: references)
            let active = try Self.activeRuns(dagId, db)
            let limit = try Self.maxActiveRuns(dagId, db)
            let runs = try SchedulerStore.fetchRuns(db, dagId: dagId, runId: nil).suffix(10).map {
                DagExplanation.RunSummary(
                    runId: $0.runId, runType: $0.runType, state: $0.state, consumed: $0.triggeringAssetEvents.map(\.id))
            }
            return DagExplanation(
                dagId: dagId, condition: dag.condition?.description, timetable: dag.timetable, paused: dag.paused,
                activeRuns: active, maxActiveRuns: limit,
                queued: queued.map { .init(id: $0.id, asset: $0.asset.name) }, conditionMet: state.met,
                awaits: state.awaits,
                verdict: queued.isEmpty || dag.condition == nil
                    ? nil
                    : .decide(
                        consumedBy: nil, queued: true, paused: dag.paused, conditionMet: state.met,
                        awaits: state.awaits,
                        activeRuns: active, maxActiveRuns: limit, timeGated: Self.timeGated(dag)),
                recentRuns: Array(runs))
        }
    }

    // MARK: Reading the store

    private static func dags(_ db: Database) throws -> [DagRow] {
        try db.rows("SELECT dag_id, is_paused, asset_expression, timetable_summary FROM dag ORDER BY dag_id").map {
            row in
            let expression: String? = row["asset_expression"]
            return DagRow(
                dagId: row["dag_id"],
                condition: expression.flatMap { try? JSONDecoder().decode(AssetCondition.self, from: Data($0.utf8)) },
                paused: row["is_paused"], timetable: row["timetable_summary"])
        }
    }

    /// How `condition` names `asset`: directly first, then an alias resolving to it, then a reference naming it.
    static func link(
        of condition: AssetCondition, to asset: AssetKey, aliases: [String: Set<AssetKey>],
        references: [AssetReference: AssetKey]
    ) -> ScheduleLink? {
        if condition.assetKeys.contains(asset) { return .direct }
        if let alias = condition.aliasNames.sorted().first(where: { aliases[$0]?.contains(asset) ?? false }) {
            return .alias(alias)
        }
        if let reference = condition.references.sorted().first(where: { references[$0] == asset }) {
            return .reference(reference.description)
        }
        return nil
    }

    private static func conditionState(
        _ dag: DagRow, _ db: Database, aliases: [String: Set<AssetKey>], references: [AssetReference: AssetKey]
    ) throws -> (met: Bool, awaits: [String]) {
        guard let condition = dag.condition else { return (false, []) }
        let updated = Set(try SchedulerStore.queuedEvents(db, dagId: dag.dagId).map(\.asset))
        let met = condition.evaluate(updated: updated, aliases: aliases, references: references)
        return (met, condition.missing(updated: updated, aliases: aliases, references: references).map(\.description))
    }

    private static func activeRuns(_ dagId: String, _ db: Database) throws -> Int {
        try db.value(
            Int.self, "SELECT count(*) FROM dag_run WHERE dag_id = ? AND state IN ('queued', 'running')",
            arguments: [dagId]) ?? 0
    }

    private static func maxActiveRuns(_ dagId: String, _ db: Database) throws -> Int? {
        try Int.fetchOne(db, sql: "SELECT max_active_runs FROM lineage_dag WHERE dag_id = ?", arguments: [dagId])
    }

    private static func timeGated(_ dag: DagRow) -> Bool { dag.timetable?.hasPrefix("Asset and") ?? false }
}
