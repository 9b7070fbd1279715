import Foundation
import GRDB

/// The query side of a projection: its view's documents and checkpoint, read in one snapshot.
///
/// ```swift
/// let balances = ReadModel(database: database, view: "balances")
/// let (balance, asOf) = try await balances.read { ($0.document("account-1"), try $0.checkpoint()) }
/// ```
public struct ReadModel: Sendable {
    public let database: EventideDatabase
    public let view: String

    public init(database: EventideDatabase, view: String) {
        self.database = database
        self.view = view
    }

    /// Runs `body` in one read transaction: all it reads comes from one committed state of the view.
    public func read<T: Sendable>(_ body: @escaping @Sendable (ReadModelReader) throws -> T) async throws -> T {
        let view = view
        return try await database.pool.read { db in try body(ReadModelReader(view: view, db: db)) }
    }

    public func checkpoint() async throws -> Int64 { try await read { try $0.checkpoint() } }

    public func documents() async throws -> [String: JSONValue] { try await read { try $0.documents() } }

    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-projections") { db in
            try db.execute(
                sql: """
                    CREATE TABLE projection_checkpoint (
                        projection TEXT PRIMARY KEY NOT NULL, position INTEGER NOT NULL, updated_at REAL NOT NULL);
                    CREATE TABLE projection_document (
                        view TEXT NOT NULL, key TEXT NOT NULL, document TEXT NOT NULL,
                        PRIMARY KEY (view, key)) WITHOUT ROWID;
                    """)
        }
    }
}
