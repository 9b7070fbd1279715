import Eventide
import EventideTesting
import Foundation
import Testing
@testable import Ex117_03_01_generic_watcher
@testable import Ex117_03_02_kafka_watcher
@testable import Ex117_03_05_cdc_watcher
import EventidePostgres
import EventideKafka

@Suite("117.3.2 Kafka Event Watcher", .timeLimit(.minutes(10)))
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
