import Eventide
import EventideTesting
import Foundation
import Testing
@testable import Ex117_03_01_generic_watcher
@testable import Ex117_03_02_kafka_watcher
@testable import Ex117_03_05_cdc_watcher
import EventidePostgres
import EventideKafka

@Suite("117.3.1 Generic Event Watcher Pattern")
struct GenericWatcherTests {
    typealias Example = GenericWatcher

    func run() async throws -> Example.Outcome {
        try await Example.run(.init(), database: TemporaryDatabase.make("117_03_01")).outcome
    }

    @Test("117.3.1/1 a custom trigger for a system without a queue feeds the asset: every complete line once, in order")
    func customWatcher() async throws {
        let outcome = try await run()
        #expect(outcome.entries.map(\.user) == ["ana", "ben", "cy", "dee", "eli", "fay", "gus", "hal"])
        #expect(outcome.entries.map(\.action) == ["login", "export", "delete", "grant", "login", "revoke", "export", "logout"])
        #expect(outcome.duplicates == 0 && outcome.runs >= 1)
        _ = try ExampleProcess.checkCommandLine("117_03_01_generic_watcher", item: "117.3.1",
                                                badArguments: ["--interval", "0"], expectInError: "--interval")
    }

    @Test("117.3.1/2 the Trigger protocol: stable message ids, a partial line waits, a bad line is dead-lettered, acknowledgements move the checkpoint")
    func interfaceMethods() async throws {
        let folder = try TemporaryDatabase.folder("jsonl")
        let file = folder.appendingPathComponent("feed.jsonl")
        try Data((#"{"n": 1}"# + "\n" + #"{"n": 2"#).utf8).write(to: file)
        let trigger = try #require(try JSONLinesTrigger.factory.make(TriggerURI("jsonl://\(file.path)?interval=10")) as? JSONLinesTrigger)
        var events = try trigger.events().makeAsyncIterator()
        let first = try #require(try await events.next())
        #expect(first.payload == ["n": 1])
        let inode = try #require((try FileManager.default.attributesOfItem(atPath: file.path)[.systemFileNumber] as? NSNumber)?.uint64Value)
        #expect(first.messageId == "\(inode)@0")
        try Example.append("}\nnot json\n", to: file)
        let second = try #require(try await events.next())
        #expect(second.payload == ["n": 2] && second.messageId == "\(inode)@9", "the partial line, once completed")
        let third = try #require(try await events.next())
        #expect(third.payload["undecodable"] == "not json")
        // Acknowledged out of order: the checkpoint moves only over a gapless prefix.
        try await second.acknowledge()
        #expect(!FileManager.default.fileExists(atPath: trigger.checkpoint.path), "line 1 is not acknowledged yet")
        try await first.acknowledge()
        #expect(try String(contentsOf: trigger.checkpoint, encoding: .utf8) == "\(inode) 18\n")
        // A new sequence (a restarted watcher) starts at the checkpoint: the unacknowledged third line comes back.
        var again = try trigger.events().makeAsyncIterator()
        let resumed = try #require(try await again.next())
        #expect(resumed.messageId == third.messageId)
    }

    @Test("117.3.1/3 a missing file restarts the watcher until it exists; a rotation and a stop/start lose and repeat nothing")
    func connectionAndLoop() async throws {
        let outcome = try await run()
        #expect(outcome.restarts >= 2 && outcome.firstError?.contains("no such file") == true)
        #expect(outcome.entries.count == 8 && Set(outcome.entries.map(\.messageId)).count == 8)
        #expect(outcome.recordedBeforeStop == 6, "recorded before the stop")
        #expect(outcome.checkpointAtEnd.split(separator: " ").last.flatMap { Int($0) } == outcome.fileSizeAtEnd,
                "everything acknowledged: the checkpoint is at the end of the file")
        #expect(outcome.deadLetters.count == 1 && outcome.deadLetters[0].contains("unreadable audit line"))
    }

    @Test("117.3.1/4 registered under its own scheme: AssetWatcher(source:) builds it from a URI; a bad URI is refused")
    func registration() throws {
        let registry = TriggerRegistry().registering(JSONLinesTrigger.factory)
        #expect(registry.schemes == ["jsonl"])
        let watcher = try AssetWatcher(name: "w", source: "jsonl:///var/log/audit.jsonl?interval=50&checkpoint=/tmp/a.offset",
                                       registry: registry)
        let trigger = try #require(watcher.trigger as? JSONLinesTrigger)
        #expect(trigger.file.path == "/var/log/audit.jsonl" && trigger.checkpoint.path == "/tmp/a.offset"
                && trigger.interval == .milliseconds(50))
        for bad in ["jsonl://host/audit.jsonl", "jsonl:///a.jsonl?interval=0", "jsonl:///"] {
            #expect(throws: TriggerError.self, "\(bad)") { _ = try registry.trigger(for: bad) }
        }
        #expect(throws: TriggerError.self) { _ = try registry.trigger(for: "kafka://127.0.0.1/t?group=g") }
    }
}

@Suite("117.3.2 Kafka Event Watcher")
struct KafkaWatcherTests {
    typealias Example = KafkaWatcher

    func runEmbedded() async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_03_02")
        return try await Example.run(.init(), topics: EventLog(database: database), database: database).outcome
    }

    func runOnTansu() async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_03_02-kafka")
        let topics = KafkaTopicService(configuration: KafkaConfiguration(host: "127.0.0.1", port: Int(LocalServer.tansu.port)),
                                       sessionTimeout: .seconds(2))
        let suffix = UUID().uuidString.prefix(8).lowercased()
        defer { Task { await topics.close() } }
        return try await Example.run(.init(topic: "orders-\(suffix)", group: "orders-watcher-\(suffix)"), topics: topics,
                                     database: database).outcome
    }

    /// What every run promises, on the embedded log and on Kafka.
    func checkOrders(_ outcome: Example.Outcome) {
        #expect(outcome.records.map(\.order).sorted() == Array(1...10) && outcome.duplicates == 0)
        for customer in Example.customers {
            let mine = outcome.records.filter { $0.customer == customer }
            #expect(Set(mine.map(\.partition)).count == 1, "\(customer)'s key pins one partition")
            #expect(mine.map(\.order) == mine.map(\.order).sorted() && mine.map(\.offset) == mine.map(\.offset).sorted(),
                    "\(customer)'s orders in order")
        }
        #expect(Set(outcome.records.map(\.partition)) == [0, 1, 2], "three keys over three partitions")
    }

    @Test("117.3.2/1 a consumer-group member as the asset's watcher: every order becomes an asset event")
    func consumerAsWatcher() async throws {
        let outcome = try await runEmbedded()
        checkOrders(outcome)
        #expect(outcome.trigger == "LogTopicTrigger(topic: orders, group: orders-watcher)")
        _ = try ExampleProcess.checkCommandLine("117_03_02_kafka_watcher", item: "117.3.2",
                                                badArguments: ["--kafka", "localhost"], expectInError: "--kafka")
    }

    @Test("117.3.2/1 on the tansu broker the same watcher is a Kafka consumer-group member", .enabled(if: LocalServer.tansu.isRunning,
          "tansu is not running on 127.0.0.1:19092; start it with scripts/servers up tansu"))
    func onKafka() async throws {
        let outcome = try await runOnTansu()
        checkOrders(outcome)
        #expect(outcome.trigger.hasPrefix("KafkaTrigger(127.0.0.1:19092/orders-"))
        #expect(outcome.offsets.map(\.lag) == [0, 4, 0] && outcome.deadLetters.count == 1)
    }

    @Test("117.3.2/2 the topic's partitions and the group's committed offsets: keys pin partitions, the group owns its offsets")
    func topicAndGroup() async throws {
        let outcome = try await runEmbedded()
        let last = try #require(outcome.offsets.last)
        #expect(last.end.keys.sorted() == [0, 1, 2] && last.end.values.reduce(0, +) == 11, "10 orders and the bad record")
        #expect(last.committed == last.end, "the group committed every partition to its end")
        let database = try TemporaryDatabase.make("117_03_02-groups")
        let log = EventLog(database: database)
        try await log.createTopic("t", partitions: 2)
        #expect(try await log.committedOffsets(group: "other", topic: "t").isEmpty, "another group has no offsets of its own")
    }

    @Test("117.3.2/3 offsets are committed after the asset events; a stopped watcher lags, and on restart resumes without repeats")
    func offsetManagement() async throws {
        let outcome = try await runEmbedded()
        #expect(outcome.offsets.map(\.lag) == [0, 4, 0])
        #expect(outcome.offsets[1].committed == outcome.offsets[0].committed, "nothing committed while stopped")
        #expect(outcome.duplicates == 0, "resumed at the committed offsets, not before them")
        #expect(outcome.deadLetters.count == 1 && outcome.deadLetters[0].contains("is not an order"),
                "the bad record was dead-lettered and its offset passed: the partition is not blocked")
    }

    @Test("117.3.2/4 each record is an asset event with the order, customer, partition and offset, and runs the DAG")
    func recordsAsAssetEvents() async throws {
        let outcome = try await runEmbedded()
        #expect(outcome.records.allSatisfy { $0.partition >= 0 && $0.offset >= 0 && !$0.customer.isEmpty })
        #expect(outcome.runs == 10 && outcome.runsSucceeded == 10)
    }
}

@Suite("117.3.5 Database Change Data Capture")
struct CDCWatcherTests {
    typealias Example = CDCWatcher

    func runEmbedded() async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_03_05")
        return try await Example.run(.init(), feed: SQLiteChangeFeed(database: database), database: database).outcome
    }

    let expected: [(String, Int, String)] = [("insert", 1, "new"), ("insert", 2, "new"), ("insert", 3, "new"),
                                              ("update", 1, "new → paid"), ("delete", 3, "new → (deleted)")]

    func check(_ outcome: Example.Outcome, table: String) {
        #expect(outcome.changes.map(\.operation) == expected.map(\.0))
        #expect(outcome.changes.map(\.order) == expected.map(\.1))
        #expect(outcome.changes.map(\.status) == expected.map(\.2))
        #expect(outcome.tablesSeen == [table], "the sessions table is not captured")
        #expect(outcome.filtered == 1 && outcome.eventsSeen == 6)
        #expect(outcome.changes.allSatisfy { $0.runState == .success })
    }

    @Test("117.3.5/1 committed row changes reach the watcher in commit order; a rolled-back transaction never does")
    func watchChanges() async throws {
        let outcome = try await runEmbedded()
        check(outcome, table: "orders")
        #expect(!outcome.changes.contains { $0.status.contains("lost") }, "the rolled-back status change")
        _ = try ExampleProcess.checkCommandLine("117_03_05_cdc_watcher", item: "117.3.5",
                                                badArguments: ["--postgres", "mysql://x/y"], expectInError: "--postgres")
    }

    @Test("117.3.5/1 on Postgres logical decoding (wal2json) the same changes arrive", .enabled(if: LocalServer.postgres.isRunning,
          "postgres is not running on 127.0.0.1:55432; start it with scripts/servers up postgres"))
    func onPostgres() async throws {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let configuration = Example.Configuration(orders: "orders_\(suffix)", sessions: "sessions_\(suffix)", slot: "cdc_\(suffix)")
        let feed = PostgresChangeFeed(endpoint: PostgresEndpoint(port: Int(LocalServer.postgres.port), database: "eventide"))
        let result: Result<Example.Outcome, any Error>
        do {
            result = .success(try await Example.run(configuration, feed: feed, database: TemporaryDatabase.make("117_03_05-pg")).outcome)
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
        #expect(outcome.changes.prefix(3).map(\.operation) == ["insert", "insert", "insert"],
                "the 3 orders written before the watcher started")
        #expect(outcome.changes.last?.status == "new → (deleted)", "the delete carries the old row's status")
        let database = try TemporaryDatabase.make("117_03_05-source")
        let feed = SQLiteChangeFeed(database: database)
        await #expect(throws: ChangeCaptureError.unknownTable("nope")) { try await feed.capture(tables: ["nope"], slot: "s") }
    }

    @Test("117.3.5/3 only the captured table is seen, and an update that leaves the status alone is skipped")
    func filterChanges() async throws {
        let outcome = try await runEmbedded()
        #expect(outcome.filtered == 1 && !outcome.changes.contains { $0.operation == "update" && $0.order == 2 })
        #expect(Example.relevant(["operation": "update", "before": ["status": "new"], "after": ["status": "new"]]) == false)
        #expect(Example.relevant(["operation": "update", "before": ["status": "new"], "after": ["status": "paid"]]))
        #expect(Example.relevant(["operation": "delete", "before": ["status": "new"]]))
    }

    @Test("117.3.5/4 each kept change runs the pipeline once")
    func triggerPipelines() async throws {
        let outcome = try await runEmbedded()
        #expect(outcome.changes.count == 5 && outcome.changes.allSatisfy { $0.runState == .success })
    }
}
