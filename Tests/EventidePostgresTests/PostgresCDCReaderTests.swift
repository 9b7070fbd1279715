import Eventide
import EventidePostgres
import EventideTesting
import Foundation
import Logging
import PostgresNIO
import Testing

extension AgainstPostgres {
    /// Against PostgreSQL 15 with wal2json on 127.0.0.1:55432 (`scripts/servers up postgres`; `.ci/run` starts it
    /// and fails if it cannot). Each test uses its own table, slot and outbox prefix.
    @Suite("Postgres CDC reader", .timeLimit(.minutes(2)))
    struct PostgresCDCReaderTests {
        @Test("inserts, updates and deletes reach the log in commit order with key, before, after, xid and LSN")
        func changesInCommitOrder() async throws {
            try await PostgresFixture.run("orders") { db in
                try await db.execute(
                    "CREATE TABLE \(db.qualifiedTable) (id int PRIMARY KEY, status text NOT NULL, amount numeric(10,2))"
                )
                try await db.execute("ALTER TABLE \(db.qualifiedTable) REPLICA IDENTITY FULL")
                let reader = db.reader()
                try await reader.open()  // the slot exists from here on
                let start = try #require(try await reader.confirmedLSN())

                try await db.execute("BEGIN")
                let firstXid = try await db.currentXid()
                try await db.execute("INSERT INTO \(db.qualifiedTable) VALUES (1, 'new', 9.50), (2, 'new', 3.25)")
                try await db.execute("COMMIT")
                try await db.execute("UPDATE \(db.qualifiedTable) SET status = 'paid' WHERE id = 1")
                try await db.execute("DELETE FROM \(db.qualifiedTable) WHERE id = 2")

                let result = try await reader.drain()
                #expect(result.changes == 4 && result.stored == 4 && result.duplicates == 0)
                let changes = try await db.storedChanges()
                #expect(changes.map(\.operation) == [.insert, .insert, .update, .delete])
                #expect(changes.map(\.key) == [["id": 1], ["id": 2], ["id": 1], ["id": 2]])
                #expect(changes.allSatisfy { $0.qualifiedTable == db.qualifiedTable })
                #expect(changes[0].after == ["id": 1, "status": "new", "amount": 9.5] && changes[0].before == nil)
                #expect(changes[2].before?["status"] == "new" && changes[2].after?["status"] == "paid")
                #expect(
                    changes[3].before == ["id": 2, "status": "new", "amount": 3.25] && changes[3].after == nil,
                    "REPLICA IDENTITY FULL gives the whole old row")
                #expect(
                    changes[0].xid == firstXid && changes[1].xid == firstXid,
                    "one transaction, the xid Postgres gave it")
                let xids = changes.compactMap(\.xid)
                #expect(xids.count == 4 && xids[1] < xids[2] && xids[2] < xids[3])
                #expect(
                    zip(changes, changes.dropFirst()).allSatisfy { $0.lsn < $1.lsn && $0.commitLSN <= $1.commitLSN })
                #expect(changes.allSatisfy { $0.lsn >= start }, "written after the slot was created")
                #expect(changes.allSatisfy { $0.committedAt != nil })
                #expect(changes[0].columnTypes["amount"] == "numeric(10,2)")
                // The slot moved past the last stored commit (further when the server ran other transactions since),
                // so the server no longer re-delivers these changes.
                #expect(try #require(try await reader.confirmedLSN()) >= (try #require(changes.last?.commitLSN)))
                #expect(try await reader.poll().changes == 0)
                let records = try await db.log.readAll(topic: db.topic)
                #expect(
                    records.map(\.event.type) == [
                        "postgres.change.insert", "postgres.change.insert",
                        "postgres.change.update", "postgres.change.delete",
                    ])
                #expect(records.allSatisfy { $0.key == db.qualifiedTable && $0.event.subject == db.qualifiedTable })
                await reader.close()
            }
        }

        @Test("a crash between the append and the advance re-delivers the batch, and the log stores it only once")
        func crashAfterAppendBeforeAdvance() async throws {
            try await PostgresFixture.run("crash_stored") { db in
                try await db.execute("CREATE TABLE \(db.qualifiedTable) (id int PRIMARY KEY)")
                let first = db.reader()
                try await first.open()
                let before = try await first.confirmedLSN()
                try await db.execute("INSERT INTO \(db.qualifiedTable) SELECT generate_series(1, 5)")
                // Read and store, then "crash": the reader goes away before advancing the slot.
                let batch = try await first.readBatch()
                let stored = try await first.store(batch)
                #expect(stored.count == 5 && stored.allSatisfy { !$0.duplicate })
                await first.close()
                #expect(try await db.slotHandle().confirmedLSN() == before, "the slot did not move")

                let restarted = db.reader()
                let again = try await restarted.drain()
                #expect(
                    again.changes == 5 && again.duplicates == 5 && again.stored == 0, "re-delivered, not duplicated")
                #expect(try await db.storedChanges().map(\.key) == (1...5).map { ["id": .number(Double($0))] })

                try await db.execute("INSERT INTO \(db.qualifiedTable) VALUES (6)")
                let next = try await restarted.drain()
                #expect(
                    next.changes == 1 && next.stored == 1 && next.duplicates == 0,
                    "only the new change after the advance")
                #expect(try await db.storedChanges().count == 6)
                await restarted.close()
            }
        }

        @Test("changes read but not stored before a crash are delivered after the restart")
        func crashBeforeAppend() async throws {
            try await PostgresFixture.run("crash_read") { db in
                try await db.execute("CREATE TABLE \(db.qualifiedTable) (id int PRIMARY KEY)")
                let first = db.reader()
                try await first.open()
                try await db.execute("INSERT INTO \(db.qualifiedTable) SELECT generate_series(1, 3)")
                #expect(try await first.readBatch().changes.count == 3)
                await first.close()  // crashed before storing
                #expect(try await db.storedChanges().isEmpty)

                let restarted = db.reader()
                let result = try await restarted.drain()
                #expect(result.stored == 3 && result.duplicates == 0)
                #expect(try await db.storedChanges().map(\.operation) == [.insert, .insert, .insert])
                await restarted.close()
            }
        }

        @Test("a bounded batch never splits a transaction, and draining in small batches loses nothing")
        func smallBatches() async throws {
            try await PostgresFixture.run("batches") { db in
                try await db.execute("CREATE TABLE \(db.qualifiedTable) (id int PRIMARY KEY)")
                let reader = db.reader(batchSize: 4)
                try await reader.open()
                for start in stride(from: 1, through: 25, by: 5) {  // 5 transactions of 5 rows
                    try await db.execute(
                        "INSERT INTO \(db.qualifiedTable) SELECT generate_series(\(start), \(start + 4))")
                }
                let first = try await reader.readBatch()
                #expect(first.changes.count % 5 == 0 && first.changes.count >= 5, "whole transactions only")
                let result = try await reader.drain()
                #expect(result.stored == 25)
                #expect(try await db.storedChanges().compactMap { $0.key["id"]?.intValue } == Array(1...25))
                await reader.close()
            }
        }

        @Test("outbox messages of a rolled-back transaction never appear; committed ones do, in commit order")
        func outbox() async throws {
            try await PostgresFixture.run("outbox") { db in
                try await db.execute("CREATE TABLE \(db.qualifiedTable) (id int PRIMARY KEY)")
                let reader = db.reader()
                try await reader.open()
                let publisher = OutboxPublisher(prefix: db.prefix)
                let logger = db.logger
                try await db.connection.withTransaction(logger: logger) { tx in
                    try await tx.query(
                        PostgresQuery(unsafeSQL: "INSERT INTO \(db.qualifiedTable) VALUES (1)"), logger: logger)
                    try await publisher.emit(["order": 1, "status": "placed"], on: tx)
                }
                await #expect(throws: (any Error).self) {
                    try await db.connection.withTransaction(logger: logger) { tx in
                        try await publisher.emit(["order": 2, "status": "placed"], on: tx)
                        throw CancellationError()  // the caller's work failed: rolled back with its message
                    }
                }
                try await publisher.emit(text: "plain text", on: db.connection)  // no transaction open: commits at once

                #expect(try await reader.drain().stored == 3)
                let changes = try await db.storedChanges()
                #expect(changes.map(\.operation) == [.insert, .message, .message])
                #expect(changes[1].xid == changes[0].xid, "the message belongs to the insert's transaction")
                #expect(changes.compactMap(\.message?.payload) == [["order": 1, "status": "placed"], "plain text"])
                #expect(changes.compactMap(\.message).allSatisfy { $0.prefix == db.prefix && $0.transactional })
                let records = try await db.log.readAll(topic: db.topic)
                #expect(records.map(\.event.type) == ["postgres.change.insert", "postgres.outbox", "postgres.outbox"])
                #expect(records.last?.event.subject == db.prefix)
                await reader.close()
            }
        }

        @Test("a slot made with another output plugin and a dropped slot give typed errors")
        func slotErrors() async throws {
            try await PostgresFixture.run("slots") { db in
                try await db.execute("SELECT pg_create_logical_replication_slot('\(db.slot)', 'test_decoding')")
                let reader = db.reader()
                await #expect(throws: CDCError.wrongPlugin(slot: db.slot, plugin: "test_decoding")) {
                    try await reader.open()
                }
                try await db.execute("SELECT pg_drop_replication_slot('\(db.slot)')")
                await #expect(throws: CDCError.slotMissing(slot: db.slot)) {
                    _ = try await db.slotHandle().peek(limit: 1, options: Wal2JSONDecoder.pluginOptions())
                }
            }
        }

        @Test(
            "a statement on a connection that has closed fails at once with CDCError.unreachable (postgres-nio would never answer it)"
        )
        func closedConnection() async throws {
            try await PostgresFixture.run("closed") { db in
                try await PostgresFixture.withConnection { connection in
                    let slot = LogicalSlot(name: db.slot, connection: connection, timeout: .seconds(30))
                    try await slot.createIfMissing()
                    try await connection.close()
                    await #expect(
                        throws: CDCError.unreachable(
                            endpoint: "the connection's server", reason: "the connection is closed")
                    ) {
                        _ = try await slot.peek(limit: 10, options: Wal2JSONDecoder.pluginOptions())
                    }
                }
            }
        }

        @Test(
            "a backend that stops answering mid-statement (a hung server, a half-open connection) gives CDCError.unreachable after the slot's timeout and closes the connection"
        )
        func hungBackend() async throws {
            try await PostgresFixture.run("hung") { db in
                let backend = try await PostgresFixture.withConnection { connection in
                    let slot = LogicalSlot(name: db.slot, connection: connection, timeout: .milliseconds(500))
                    try await slot.createIfMissing()
                    var backend: Int32 = 0
                    for try await pid in try await connection.query("SELECT pg_backend_pid()", logger: db.logger)
                        .decode(Int32.self)
                    {
                        backend = pid
                    }
                    // SIGSTOP freezes the server process behind the connection: the TCP connection stays open and silent.
                    try #require(
                        backend > 0 && kill(backend, SIGSTOP) == 0,
                        "stopping backend \(backend) needs root or the postgres user")
                    defer { kill(backend, SIGCONT) }
                    let started = ContinuousClock.now
                    await #expect {
                        _ = try await slot.peek(limit: 10, options: Wal2JSONDecoder.pluginOptions())
                    } throws: { error in
                        guard case .unreachable(_, let reason) = error as? CDCError else { return false }
                        return reason.hasPrefix("no answer within 500 ms")
                    }
                    #expect(ContinuousClock.now - started >= .milliseconds(500), "it waited the timeout out first")
                    let closed = try await db.waitUntil { connection.isClosed }
                    #expect(closed, "the silent connection was closed")
                    return backend
                }
                // Woken up (SIGCONT), the backend finds its client gone and exits, releasing the slot.
                let gone = try await db.waitUntil {
                    try await db.strings("SELECT pid::text FROM pg_stat_activity WHERE pid = \(backend)").isEmpty
                }
                #expect(gone)
            }
        }
    }
}
