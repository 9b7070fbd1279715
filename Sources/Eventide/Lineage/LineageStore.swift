import Foundation
import GRDB

/// The lineage tables and their queries: one row per `LineageNode`, one per cause → effect edge, and the DAG
/// settings the explanation needs that the scheduler's tables do not keep (`max_active_runs`).
///
/// Written by `LineageTracker`, read by anyone with the store after the fact (`eventide-explain`, the items).
public struct LineageStore: Sendable {
    public let database: EventideDatabase

    public init(database: EventideDatabase) { self.database = database }

    /// The lineage tables (registered by `EventideDatabase`'s migrator).
    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-lineage") { db in
            try db.execute(
                sql: """
                    CREATE TABLE lineage_node (
                        node TEXT PRIMARY KEY NOT NULL,
                        kind TEXT NOT NULL,
                        label TEXT NOT NULL,
                        correlation_id TEXT NOT NULL,
                        causation_id TEXT,
                        trace_id TEXT, span_id TEXT, parent_span_id TEXT,
                        at REAL NOT NULL);
                    CREATE INDEX lineage_node_correlation ON lineage_node(correlation_id, at);
                    CREATE TABLE lineage_edge (
                        cause TEXT NOT NULL, effect TEXT NOT NULL, position INTEGER NOT NULL,
                        PRIMARY KEY (cause, effect)) WITHOUT ROWID;
                    CREATE INDEX lineage_edge_effect ON lineage_edge(effect, position);
                    CREATE TABLE lineage_dag (
                        dag_id TEXT PRIMARY KEY NOT NULL, max_active_runs INTEGER NOT NULL);
                    """)
        }
    }

    // MARK: Writing (the tracker)

    /// Stores a node and its edges once: a node already stored is left as it is.
    static func insert(_ node: LineageNode, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO lineage_node(
                    node, kind, label, correlation_id, causation_id, trace_id, span_id, parent_span_id, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                node.id, node.kind.rawValue, node.label, node.correlationId, node.causationId,
                node.traceParent?.traceId, node.traceParent?.spanId, node.parentSpanId, node.at.timeIntervalSince1970,
            ])
        for (position, cause) in node.causes.enumerated() {
            try db.execute(
                sql: "INSERT OR IGNORE INTO lineage_edge(cause, effect, position) VALUES (?, ?, ?)",
                arguments: [cause, node.id, position])
        }
    }

    static func recordDagSettings(_ dags: [DAG], _ db: Database) throws {
        for dag in dags {
            try db.execute(
                sql: """
                    INSERT INTO lineage_dag(dag_id, max_active_runs) VALUES (?, ?)
                    ON CONFLICT(dag_id) DO UPDATE SET max_active_runs = excluded.max_active_runs
                    """, arguments: [dag.dagId, dag.maxActiveRuns])
        }
    }

    static func node(_ id: String, in database: EventideDatabase) throws -> LineageNode? {
        try database.pool.read { db in try node(id, db) }
    }

    static func node(_ id: String, _ db: Database) throws -> LineageNode? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM lineage_node WHERE node = ?", arguments: [id])
        else { return nil }
        return try node(row, db)
    }

    private static func node(_ row: Row, _ db: Database) throws -> LineageNode {
        let id: String = row["node"]
        let causes = try String.fetchAll(
            db, sql: "SELECT cause FROM lineage_edge WHERE effect = ? ORDER BY position", arguments: [id])
        let traceId: String? = row["trace_id"]
        let spanId: String? = row["span_id"]
        return LineageNode(
            id: id, kind: LineageNode.Kind(rawValue: row["kind"]) ?? .event, label: row["label"],
            correlationId: row["correlation_id"], causes: causes,
            traceParent: traceId.flatMap { trace in spanId.flatMap { TraceParent(traceId: trace, spanId: $0) } },
            parentSpanId: row["parent_span_id"], at: Date(timeIntervalSince1970: row["at"]))
    }

    // MARK: Reading

    /// A node by id (`event:12`, `run:billing/…`), or `nil` when the tracker has not recorded it.
    public func node(_ id: String) throws -> LineageNode? {
        try database.pool.read { db in try Self.node(id, db) }
    }

    /// From the root of the chain down to `id`, following each node's first cause: source message → asset event →
    /// run → task → asset event → … → `id`. Empty when `id` is not recorded.
    public func chain(to id: String) throws -> [LineageNode] {
        try database.pool.read { db in
            var chain: [LineageNode] = []
            var next: String? = id
            var seen: Set<String> = []
            while let current = next, seen.insert(current).inserted, let node = try Self.node(current, db) {
                chain.insert(node, at: 0)
                next = node.causationId
            }
            return chain
        }
    }

    /// Everything `id` caused, directly or not, breadth first (ordered by time within a level).
    public func downstream(of id: String) throws -> [LineageNode] {
        try database.pool.read { db in
            var result: [LineageNode] = []
            var frontier = [id]
            var seen: Set<String> = [id]
            while !frontier.isEmpty {
                let effects = try frontier.flatMap { cause in
                    try Row.fetchAll(
                        db,
                        sql: """
                            SELECT n.* FROM lineage_edge e JOIN lineage_node n ON n.node = e.effect
                            WHERE e.cause = ? ORDER BY n.at, n.node
                            """, arguments: [cause]
                    ).map { try Self.node($0, db) }
                }.filter { seen.insert($0.id).inserted }
                result += effects
                frontier = effects.map(\.id)
            }
            return result
        }
    }

    /// Every node of one transaction, oldest first.
    public func nodes(correlationId: String) throws -> [LineageNode] {
        try database.pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM lineage_node WHERE correlation_id = ? ORDER BY at, node",
                arguments: [correlationId]
            ).map { try Self.node($0, db) }
        }
    }

    /// The `max_active_runs` the tracker saw for a DAG, `nil` when it never saw the DAG.
    public func maxActiveRuns(of dagId: String) throws -> Int? {
        try database.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT max_active_runs FROM lineage_dag WHERE dag_id = ?", arguments: [dagId])
        }
    }
}
