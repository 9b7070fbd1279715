import Eventide
import EventideTesting
import Testing

@Suite("SQLiteChangeCapture: trigger-based change data capture on the embedded store", .timeLimit(.minutes(3)))
struct SQLiteChangeCaptureTests {
    @Test(
        "inserts, updates and deletes are captured in commit order with key, before and after; a rollback leaves nothing"
    )
    func capturesCommittedChanges() async throws {
        let capture = SQLiteChangeCapture(database: try TemporaryDatabase.make("cdc"))
        try await capture.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, status TEXT NOT NULL, amount REAL)")
        try await capture.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        try await capture.capture(table: "orders")
        try await capture.execute("INSERT INTO orders VALUES (1, 'new', 9.5), (2, 'new', 3.0)")
        try await capture.execute("UPDATE orders SET status = 'paid' WHERE id = 1")
        try await capture.execute("INSERT INTO notes VALUES (1, 'not captured')")
        await #expect(throws: (any Error).self) {
            try await capture.execute(
                "BEGIN; INSERT INTO orders VALUES (3, 'new', 1.0); INSERT INTO orders VALUES (1, 'dup', 0); COMMIT;")
        }
        try? await capture.execute("ROLLBACK")
        try await capture.execute("DELETE FROM orders WHERE id = 2")
        let changes = try await capture.changes(after: 0)
        #expect(
            changes.map(\.operation) == ["insert", "insert", "update", "delete"], "the failed transaction left nothing")
        #expect(changes.map(\.key) == [["id": 1], ["id": 2], ["id": 1], ["id": 2]])
        #expect(changes[2].before?["status"] == "new" && changes[2].after?["status"] == "paid")
        #expect(changes[3].after == nil && changes[3].before == ["id": 2, "status": "new", "amount": 3.0])
        #expect(zip(changes, changes.dropFirst()).allSatisfy { $0.seq < $1.seq })
        await #expect(throws: ChangeCaptureError.unknownTable("missing")) {
            try await capture.capture(table: "missing")
        }
        await #expect(throws: ChangeCaptureError.invalidName("x'; DROP TABLE orders; --")) {
            try await capture.capture(table: "x'; DROP TABLE orders; --")
        }
    }

    @Test("the trigger confirms its slot over acknowledged changes only; a new sequence resumes after the slot")
    func slotResumes() async throws {
        let capture = SQLiteChangeCapture(database: try TemporaryDatabase.make("cdc-slot"))
        try await capture.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        try await capture.capture(table: "t")
        try await capture.execute("INSERT INTO t VALUES (1), (2), (3)")
        let trigger = SQLiteChangeTrigger(capture: capture, slot: "s", tables: ["t"], interval: .milliseconds(5))
        var events = try trigger.events().makeAsyncIterator()
        let first = try #require(try await events.next()), second = try #require(try await events.next())
        try await second.acknowledge()
        #expect(try await capture.confirmed(slot: "s") == 0, "the first is not acknowledged yet")
        try await first.acknowledge()
        #expect(try await capture.confirmed(slot: "s") == 2)
        var again = try trigger.events().makeAsyncIterator()
        let resumed = try #require(try await again.next())
        #expect(resumed.payload["key"] == ["id": 3] && resumed.messageId == "s@3")
    }
}
