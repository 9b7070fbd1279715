import Eventide
import EventidePostgres
import EventideTesting
import Foundation
import PostgresNIO
import Testing

extension AgainstPostgres {
    /// The postgres:// trigger against PostgreSQL 15 with wal2json on 127.0.0.1:55432, alone and through an
    /// `Orchestrator` with an `AssetWatcher`.
    @Suite("Postgres CDC trigger", .timeLimit(.minutes(2)))
    struct PostgresCDCTriggerTests {
        func uri(_ db: PostgresFixture) -> String {
            "postgres://postgres@127.0.0.1:\(LocalServer.postgres.port)/eventide?slot=\(db.slot)&tables=\(db.qualifiedTable)&prefixes=\(db.prefix)&interval=20"
        }

        /// Waits (bounded) until the server lists the slot: the trigger creates it when its sequence is first read,
        /// and the server has no event to await for that.
        func waitForSlot(_ db: PostgresFixture) async throws {
            let created = try await db.waitUntil { (try? await db.slotHandle().confirmedLSN()) != nil }
            #expect(created, "the trigger did not create the slot \(db.slot) within 10 s")
        }

        @Test("through an AssetWatcher each change becomes an asset event, and the slot advances once it is committed")
        func watcher() async throws {
            try await PostgresFixture.run("watched") { db in
                try await db.execute("CREATE TABLE \(db.qualifiedTable) (id int PRIMARY KEY, status text)")
                let trigger = try TriggerRegistry.embedded(log: db.log).registering(PostgresCDCTrigger.factory())
                    .trigger(for: uri(db))
                let asset = try Asset(uri: "postgres://eventide/public/\(db.table)")
                let watched = asset.watched(by: [AssetWatcher(name: "orders-cdc", trigger: trigger)])
                let orchestrator = Orchestrator(database: try TemporaryDatabase.make("pg-watcher"))
                try await orchestrator.register(
                    dags: [try DAG("on_orders", schedule: .on([watched]), tasks: [TaskDefinition("t") { _ in .none }])],
                    assets: [watched])
                let status = try await orchestrator.withServices {
                    _ = try await orchestrator.triggerer.waitFor(watcher: "orders-cdc", state: .running)
                    try await waitForSlot(db)  // created by the trigger: it did not exist before
                    try await db.execute("INSERT INTO \(db.qualifiedTable) VALUES (1, 'new'), (2, 'new')")
                    try await db.execute("BEGIN")
                    try await db.execute("UPDATE \(db.qualifiedTable) SET status = 'paid' WHERE id = 1")
                    try await OutboxPublisher(prefix: db.prefix).emit(["order": 1, "event": "paid"], on: db.connection)
                    try await db.execute("COMMIT")
                    return try await orchestrator.triggerer.waitFor(watcher: "orders-cdc") { $0.eventsRecorded == 4 }
                }
                #expect(status.duplicates == 0 && status.deadLettered == 0)
                let events = try await orchestrator.scheduler.assetEvents(for: asset.key)
                let changes = try events.map { try ChangeEvent(json: #require($0.extra["payload"])) }
                #expect(changes.map(\.operation) == [.insert, .insert, .update, .message])
                #expect(changes[2].before?["id"] == 1 && changes[2].after?["status"] == "paid")
                #expect(
                    changes[3].message?.payload == ["order": 1, "event": "paid"] && changes[3].xid == changes[2].xid)
                let messageIds: [String?] = events.map { if case .watcher(_, let id) = $0.source { id } else { nil } }
                #expect(
                    messageIds == changes.map(\.id),
                    "message id lsn/xid/index")
                // Every event was acknowledged after its commit: the slot is past the last transaction's end (other
                // transactions of the server, empty for this table, may have moved it further).
                let confirmed = try #require(try await db.slotHandle().confirmedLSN())
                #expect(confirmed >= (try #require(changes.last?.commitLSN)))
            }
        }

        @Test(
            "acknowledging advances the slot only past whole, fully acknowledged transactions; unacknowledged changes come again"
        )
        func acknowledgeAdvances() async throws {
            try await PostgresFixture.run("acks") { db in
                try await db.execute("CREATE TABLE \(db.qualifiedTable) (id int PRIMARY KEY)")
                try await db.slotHandle().createIfMissing()
                let start = try #require(try await db.slotHandle().confirmedLSN())
                try await db.execute("INSERT INTO \(db.qualifiedTable) VALUES (1), (2)")
                try await db.execute("INSERT INTO \(db.qualifiedTable) VALUES (3)")
                let trigger = try PostgresCDCTrigger(uri: TriggerURI(uri(db)))

                var events = try trigger.events().makeAsyncIterator()
                let first = try #require(try await events.next())
                let second = try #require(try await events.next())
                let third = try #require(try await events.next())
                let firstChange = try ChangeEvent(json: first.payload)
                #expect([first, second, third].map { $0.payload["key"]?["id"] } == [1, 2, 3])
                #expect(first.messageId == firstChange.id)
                let occurred = try #require(first.occurredAt), committed = try #require(firstChange.committedAt)
                #expect(
                    abs(occurred.timeIntervalSince(committed)) < 0.001,
                    "the commit time (the payload keeps milliseconds)")

                try await second.acknowledge()
                // Not past the first transaction (empty transactions of other sessions before it may have settled).
                let afterSecond = try #require(try await db.slotHandle().confirmedLSN())
                #expect(
                    afterSecond >= start && afterSecond < firstChange.commitLSN,
                    "the first change of its transaction is not stored yet")
                try await first.acknowledge()
                let afterFirst = try #require(try await db.slotHandle().confirmedLSN())
                let thirdChange = try ChangeEvent(json: third.payload)
                #expect(
                    afterFirst >= firstChange.commitLSN && afterFirst < thirdChange.commitLSN,
                    "past the first transaction, not the third")

                // The third change was never acknowledged: a new sequence (a restarted watcher) gets it again.
                var reopened = try trigger.events().makeAsyncIterator()
                let again = try #require(try await reopened.next())
                #expect(again.messageId == third.messageId && again.payload == third.payload)
                try await again.acknowledge()
                #expect(try #require(try await db.slotHandle().confirmedLSN()) >= thirdChange.commitLSN)
            }
        }

        @Test(
            "a server crashed under a running watcher (immediate stop, then crash recovery): the trigger reconnects with backoff, the watcher does not fail, and every committed change is recorded once"
        )
        func serverCrash() async throws {
            try await PostgresFixture.run("crashed") { db in
                try await db.execute("CREATE TABLE \(db.qualifiedTable) (id int PRIMARY KEY)")
                // A statement in flight when the server dies may never be answered: the trigger gives it 2 s.
                let trigger = try TriggerRegistry.embedded(log: db.log).registering(PostgresCDCTrigger.factory())
                    .trigger(for: uri(db) + "&timeout=2000")
                let asset = try Asset(uri: "postgres://eventide/public/\(db.table)")
                // The trigger reconnects on its own (30 s of backoff); the watcher's restarts are the last resort.
                let watcher = AssetWatcher(
                    name: "crash-cdc", trigger: trigger,
                    restart: RetryPolicy(retries: 100, delay: .milliseconds(100)))
                let watched = asset.watched(by: [watcher])
                let orchestrator = Orchestrator(database: try TemporaryDatabase.make("pg-crash"))
                try await orchestrator.register(
                    dags: [try DAG("on_crash", schedule: .on([watched]), tasks: [TaskDefinition("t") { _ in .none }])],
                    assets: [watched])
                let (beforeCrash, status) = try await orchestrator.withServices {
                    _ = try await orchestrator.triggerer.waitFor(watcher: "crash-cdc", state: .running)
                    try await waitForSlot(db)
                    for id in 1...5 { try await db.execute("INSERT INTO \(db.qualifiedTable) VALUES (\(id))") }
                    let beforeCrash = try await orchestrator.triggerer.waitFor(watcher: "crash-cdc") {
                        $0.eventsRecorded == 5
                    }
                    // Committed just before the crash: read, recorded or acknowledged by then, or not.
                    for id in 6...10 { try await db.execute("INSERT INTO \(db.qualifiedTable) VALUES (\(id))") }
                    try await RepositoryScript.servers(["admin", "postgres", "crash"], log: "postgres-crash")
                    // The fixture's connection died with the server; write the rest on a new one.
                    try await PostgresFixture.withConnection { writer in
                        for id in 11...15 {
                            try await writer.query(
                                PostgresQuery(unsafeSQL: "INSERT INTO \(db.qualifiedTable) VALUES (\(id))"),
                                logger: db.logger)
                        }
                    }
                    let status = try await orchestrator.triggerer.waitFor(watcher: "crash-cdc") {
                        $0.eventsRecorded == 15
                    }
                    return (beforeCrash, status)
                }
                #expect(beforeCrash.restarts == 0)
                #expect(
                    status.restarts == 0,
                    "the trigger opened a new connection itself (issue 14), within its reconnect deadline")
                let events = try await orchestrator.scheduler.assetEvents(for: asset.key)
                let ids = try events.map { try ChangeEvent(json: #require($0.extra["payload"])).after?["id"] }
                #expect(
                    ids == (1...15).map { JSONValue.number(Double($0)) }, "every committed row once, in commit order")
                #expect(status.deadLettered == 0)
                // An immediate stop loses the slot's progress since the last checkpoint, so the server sends some
                // changes again; the watcher drops them by message id.
                #expect(
                    status.eventsSeen == status.eventsRecorded + status.duplicates,
                    "each change seen was recorded once or dropped as a duplicate")
                let confirmed = try await PostgresFixture.withConnection { connection in
                    try await LogicalSlot(name: db.slot, connection: connection).confirmedLSN()
                }
                let last = try ChangeEvent(json: #require(events.last?.extra["payload"]))
                #expect(try #require(confirmed) >= last.commitLSN, "every change acknowledged, after the restart too")
            }
        }
    }
}
