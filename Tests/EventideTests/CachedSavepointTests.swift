import EventideTesting
import GRDB
import Testing

@testable import Eventide

/// The group commit's per-event savepoint: a refused event's writes are undone, the others' kept, in one transaction.
@Suite("Cached savepoints", .timeLimit(.minutes(1)))
struct CachedSavepointTests {
    enum Refused: Error { case event }

    @Test("a savepoint that throws undoes its own writes only, and the error reaches the caller")
    func refusedSavepointIsRolledBack() async throws {
        let database = try TemporaryDatabase.make("savepoints")
        let kept = try await database.pool.write { db in
            try db.execute(sql: "CREATE TABLE seen (n INTEGER)")
            var refusals = 0
            for n in 1...5 {
                do {
                    try db.inCachedSavepoint {
                        try db.execute(sql: "INSERT INTO seen VALUES (?)", arguments: [n])
                        if n.isMultiple(of: 2) { throw Refused.event }  // after its insert: the insert must go
                    }
                } catch Refused.event {
                    refusals += 1
                }
            }
            #expect(refusals == 2)
            #expect(db.isInsideTransaction, "the transaction goes on after a refused savepoint")
            return try Int.fetchAll(db, sql: "SELECT n FROM seen ORDER BY n")
        }
        #expect(kept == [1, 3, 5])
        let committed = try await database.pool.read { db in try Int.fetchAll(db, sql: "SELECT n FROM seen ORDER BY n")
        }
        #expect(committed == [1, 3, 5])
    }
}
