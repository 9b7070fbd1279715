import Eventide
import EventidePostgres
import EventideTesting
import Foundation
import Testing

@testable import Ex117_03_05_cdc_watcher

@Suite("117.3.5 Database Change Data Capture", .timeLimit(.minutes(10)))
struct CDCWatcherTests {
    typealias Example = CDCWatcher

    func runEmbedded() async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_03_05")
        return try await Example.run(.init(), feed: SQLiteChangeFeed(database: database), database: database).outcome
    }

    let expected: [Example.Change] = [
        .init(operation: .insert, order: 1, before: nil, after: "new", runState: .success),
        .init(operation: .insert, order: 2, before: nil, after: "new", runState: .success),
        .init(operation: .insert, order: 3, before: nil, after: "new", runState: .success),
        .init(operation: .update, order: 1, before: "new", after: "paid", runState: .success),
        .init(operation: .delete, order: 3, before: "new", after: nil, runState: .success),
    ]

    func check(_ outcome: Example.Outcome, table: String) {
        #expect(outcome.changes == expected)
        #expect(
            Set(outcome.seen.map(\.table)) == [table] && outcome.seenFromSessions == 0,
            "the sessions table is not captured")
        #expect(outcome.filtered == 1 && outcome.eventsSeen == 6 && outcome.seen.count == 6)
        #expect(
            outcome.transactionFailed && outcome.seenFromRolledBack == 0, "the rolled-back transaction is never seen")
    }

    @Test("117.3.5/1 committed row changes reach the watcher in commit order; a rolled-back transaction never does")
    func watchChanges() async throws {
        let outcome = try await runEmbedded()
        check(outcome, table: "orders")
        #expect(!outcome.seen.contains { $0.after == "lost" || $0.after == "dup" }, "the rolled-back changes")
        _ = try ExampleProcess.checkCommandLine(
            "117_03_05_cdc_watcher", item: "117.3.5",
            badArguments: ["--postgres", "mysql://x/y"], expectInError: "--postgres")
    }

    @Test(
        "117.3.5/1 on Postgres logical decoding (wal2json) the same changes arrive",
        .enabled(
            if: LocalServer.postgres.isRunning,
            "postgres is not running on 127.0.0.1:55432; start it with scripts/servers up postgres"))
    func onPostgres() async throws {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let configuration = Example.Configuration(
            orders: "orders_\(suffix)", sessions: "sessions_\(suffix)", slot: "cdc_\(suffix)")
        let feed = PostgresChangeFeed(
            endpoint: PostgresEndpoint(port: Int(LocalServer.postgres.port), database: "eventide"))
        let result: Result<Example.Outcome, any Error>
        do {
            result = .success(
                try await Example.run(configuration, feed: feed, database: TemporaryDatabase.make("117_03_05-pg"))
                    .outcome)
        } catch { result = .failure(error) }
        try? await feed.dropSlot(configuration.slot)
        try? await feed.execute("DROP TABLE IF EXISTS \(configuration.orders), \(configuration.sessions)")
        await feed.close()
        let outcome = try result.get()
        check(outcome, table: configuration.orders)
        #expect(outcome.trigger.hasPrefix("PostgresCDCTrigger("))
    }

    @Test("117.3.5/2 the source: capture set up before the watcher runs keeps earlier changes, with whole old rows")
    func configureSource() async throws {
        let outcome = try await runEmbedded()
        #expect(
            outcome.seen.prefix(3).map(\.operation) == [.insert, .insert, .insert],
            "the 3 orders written before the watcher started")
        let delete = try #require(outcome.changes.last)
        #expect(delete.operation == .delete && delete.before == "new", "the delete carries the old row's status")
        let database = try TemporaryDatabase.make("117_03_05-source")
        let feed = SQLiteChangeFeed(database: database)
        await #expect(throws: ChangeCaptureError.unknownTable("nope")) {
            try await feed.capture(tables: ["nope"], slot: "s")
        }
    }

    @Test("117.3.5/3 only the captured table is seen, and an update that leaves the status alone is skipped")
    func filterChanges() async throws {
        let outcome = try await runEmbedded()
        #expect(outcome.filtered == 1 && !outcome.changes.contains { $0.operation == .update && $0.order == 2 })
        #expect(outcome.seen.filter { !$0.kept }.map(\.order) == [2], "the amount-only update, seen and skipped")
        #expect(
            Example.relevant(["operation": "update", "before": ["status": "new"], "after": ["status": "new"]]) == false)
        #expect(Example.relevant(["operation": "update", "before": ["status": "new"], "after": ["status": "paid"]]))
        #expect(Example.relevant(["operation": "delete", "before": ["status": "new"]]))
    }

    @Test("117.3.5/2 a --db an earlier run filled is refused, not resumed")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { database in
            try await Example.run(.init(), feed: SQLiteChangeFeed(database: database), database: database)
        }
    }

    @Test("117.3.5/2 a table an earlier run created is refused with a typed error, not a raw SQLite error")
    func refusesExistingTable() async throws {
        let database = try TemporaryDatabase.make("117_03_05-table")
        let feed = SQLiteChangeFeed(database: database)
        try await feed.execute(
            "CREATE TABLE orders (id integer PRIMARY KEY, status text NOT NULL, amount numeric(10,2))")
        await #expect(throws: Example.ScenarioError.tableExists("orders")) {
            try await Example.run(.init(), feed: feed, database: database)
        }
    }

    @Test("117.3.5/4 each kept change runs the pipeline once")
    func triggerPipelines() async throws {
        let outcome = try await runEmbedded()
        #expect(outcome.changes.count == 5 && outcome.changes.allSatisfy { $0.runState == .success })
        #expect(
            outcome.changes.count == outcome.seen.filter(\.kept).count && outcome.runs == 5, "one run per kept change")
    }
}
