import Eventide
import EventideCLI
import EventideKafka
import EventideTesting
import Foundation
import Testing

@testable import Ex117_03_02_kafka_watcher

@Suite("117.3.2 Kafka Event Watcher", .timeLimit(.minutes(10)))
struct KafkaWatcherTests {
    typealias Example = KafkaWatcher

    func runEmbedded() async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_03_02")
        return try await Example.run(.init(), topics: EventLog(database: database), database: database).outcome
    }

    func runOnTansu() async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_03_02-kafka")
        let topics = KafkaTopicService(
            configuration: KafkaConfiguration(host: "127.0.0.1", port: Int(LocalServer.tansu.port)),
            sessionTimeout: .seconds(2))
        let suffix = UUID().uuidString.prefix(8).lowercased()
        defer { Task { await topics.close() } }
        return try await Example.run(
            .init(topic: "orders-\(suffix)", group: "orders-watcher-\(suffix)"), topics: topics,
            database: database
        ).outcome
    }

    /// What every run promises, on the embedded log and on Kafka.
    func checkOrders(_ outcome: Example.Outcome) {
        #expect(outcome.records.map(\.order).sorted() == Array(1...10) && outcome.duplicates == 0)
        for customer in Example.customers {
            let mine = outcome.records.filter { $0.customer == customer }
            #expect(Set(mine.map(\.partition)).count == 1, "\(customer)'s key pins one partition")
            #expect(
                mine.map(\.order) == mine.map(\.order).sorted() && mine.map(\.offset) == mine.map(\.offset).sorted(),
                "\(customer)'s orders in order")
        }
        #expect(Set(outcome.records.map(\.partition)) == [0, 1, 2], "three keys over three partitions")
    }

    /// Every record's offset was committed after its asset event (or, for the poison record, its dead letter) was
    /// stored, and the commit moved the group's offset past it.
    func checkCommitOrder(_ outcome: Example.Outcome) {
        #expect(outcome.commits.count == 11, "10 orders and the poison record, each committed once")
        #expect(outcome.commits.filter { $0.storedBefore == .assetEvent }.count == 10)
        #expect(outcome.commits.filter { $0.storedBefore == .deadLetter }.map(\.messageId) == [outcome.poisonRecord])
        #expect(outcome.commits.allSatisfy { $0.offsetCommittedAfter })
    }

    @Test("117.3.2/1 a consumer-group member as the asset's watcher: every order becomes an asset event")
    func consumerAsWatcher() async throws {
        let outcome = try await runEmbedded()
        checkOrders(outcome)
        #expect(outcome.trigger == "LogTopicTrigger(topic: orders, group: orders-watcher)")
        _ = try ExampleProcess.checkCommandLine(
            "117_03_02_kafka_watcher", item: "117.3.2",
            badArguments: ["--kafka", "localhost"], expectInError: "--kafka")
    }

    @Test(
        "117.3.2/1 on the tansu broker the same watcher is a Kafka consumer-group member",
        .enabled(
            if: LocalServer.tansu.isRunning,
            "tansu is not running on 127.0.0.1:19092; start it with scripts/servers up tansu"))
    func onKafka() async throws {
        let outcome = try await runOnTansu()
        checkOrders(outcome)
        #expect(outcome.trigger.hasPrefix("KafkaTrigger(127.0.0.1:19092/orders-"))
        #expect(outcome.offsets.map(\.lag) == [0, 4, 0] && outcome.deadLetters == [outcome.poisonRecord])
        checkCommitOrder(outcome)
    }

    @Test(
        "117.3.2/2 the topic's partitions and the group's committed offsets: keys pin partitions, the group owns its offsets"
    )
    func topicAndGroup() async throws {
        let outcome = try await runEmbedded()
        let last = try #require(outcome.offsets.last)
        #expect(
            last.end.keys.sorted() == [0, 1, 2] && last.end.values.reduce(0, +) == 11, "10 orders and the bad record")
        #expect(last.committed == last.end, "the group committed every partition to its end")
        let database = try TemporaryDatabase.make("117_03_02-groups")
        let log = EventLog(database: database)
        try await log.createTopic("t", partitions: 2)
        #expect(
            try await log.committedOffsets(group: "other", topic: "t").isEmpty,
            "another group has no offsets of its own")
    }

    @Test(
        "117.3.2/3 offsets are committed after the asset events; a stopped watcher lags, and on restart resumes without repeats"
    )
    func offsetManagement() async throws {
        let outcome = try await runEmbedded()
        checkCommitOrder(outcome)
        try #require(outcome.offsets.count == 3)
        #expect(outcome.offsets.map(\.moment) == [.afterFirstOrders, .whileStopped, .afterRestart])
        #expect(outcome.offsets.map(\.lag) == [0, 4, 0])
        #expect(outcome.offsets[1].committed == outcome.offsets[0].committed, "nothing committed while stopped")
        #expect(outcome.duplicates == 0, "resumed at the committed offsets, not before them")
        #expect(
            outcome.deadLetters == [outcome.poisonRecord],
            "the bad record was dead-lettered and its offset passed: the partition is not blocked")
    }

    @Test("117.3.2/3 a --db an earlier run filled is refused, not resumed")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { database in
            try await Example.run(.init(), topics: EventLog(database: database), database: database)
        }
    }

    @Test("117.3.2/3 a topic that already holds records is refused")
    func refusesUsedTopic() async throws {
        let database = try TemporaryDatabase.make("117_03_02-topic")
        let log = EventLog(database: database)
        try await log.createTopic("orders", partitions: 3)
        _ = try await log.produce("orders", key: "globex", value: ["order": 1, "customer": "globex"], headers: [:])
        await #expect(throws: ExampleError.topicNotEmpty(topic: "orders", records: 1)) {
            try await Example.run(.init(), topics: log, database: database)
        }
    }

    @Test("117.3.2/4 a record that is not an order is refused with a typed error naming it")
    func notAnOrder() throws {
        let record = TriggerEvent(
            payload: ["value": "not an order", "partition": 0, "offset": 3], messageId: "orders/0@3")
        #expect(throws: OrderError.notAnOrder(messageId: "orders/0@3")) { try Example.order(record) }
        let order = TriggerEvent(payload: ["value": ["order": 7, "customer": "stark"], "partition": 2, "offset": 2])
        #expect(try Example.order(order)["order"] == 7)
    }

    @Test("117.3.2/4 each record is an asset event with the order, customer, partition and offset, and runs the DAG")
    func recordsAsAssetEvents() async throws {
        let outcome = try await runEmbedded()
        #expect(outcome.records.allSatisfy { $0.partition >= 0 && $0.offset >= 0 && !$0.customer.isEmpty })
        #expect(outcome.runs == 10 && outcome.runsSucceeded == 10)
    }
}
