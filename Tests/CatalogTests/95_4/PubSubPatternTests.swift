import Eventide
import EventideCLI
import EventideKafka
import EventideTesting
import Foundation
import Testing

@testable import Ex95_04_02_pubsub_pattern

@Suite("95.4.2 Pub/Sub Pattern", .timeLimit(.minutes(6)))
struct PubSubPatternTests {
    typealias Example = PubSubPattern

    func runEmbedded(slowPace: Duration = .milliseconds(150)) async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("95_04_02")
        return try await Example.run(
            .init(slowPace: slowPace), topics: EventLog(database: database), database: database
        )
        .outcome
    }

    func subscriber(_ name: String, in outcome: Example.Outcome) throws -> Example.SubscriberResult {
        try #require(outcome.subscribers.first { $0.subscription == name })
    }

    @Test("95.4.2/1 publisher DAGs emit to their topic and name no subscriber")
    func publisherDags() async throws {
        let outcome = try await runEmbedded()
        #expect(outcome.published.mapValues(\.count) == ["checkout": 4, "cancellations": 1, "payments": 1])
        for (dag, topic) in [
            ("checkout", "shop.orders.placed"), ("cancellations", "shop.orders.cancelled"),
            ("payments", "shop.payments.settled"),
        ] {
            let records = try #require(outcome.published[dag])
            #expect(records.allSatisfy { Example.topic(ofRecord: $0) == topic }, "\(dag) writes to \(topic) only")
        }
        // A publisher that names a topic nobody declared fails instead of publishing to nobody.
        let broker = TopicBroker(service: EventLog(database: try TemporaryDatabase.make("95_04_02-typo")))
        await #expect(throws: PubSubError.undeclaredTopic("shop.orders.placd")) {
            try await broker.publish(["order": 1], to: "shop.orders.placd")
        }
    }

    @Test("95.4.2/2 subscriber DAGs run once per record their subscription receives")
    func subscriberDags() async throws {
        let outcome = try await runEmbedded()
        #expect(
            outcome.subscribers.map(\.dagId) == ["on_fulfilment", "on_customer_email", "on_audit", "on_ledger"])
        for result in outcome.subscribers {
            #expect(result.runsSucceeded == result.expected.count && result.handled.count == result.expected.count)
            #expect(result.lag == 0, "\(result.subscription) acknowledged everything it received")
        }
    }

    @Test(
        "95.4.2/2 on the tansu broker the same subscribers read Kafka consumer groups",
        .enabled(
            if: LocalServer.tansu.isRunning,
            "tansu is not running on 127.0.0.1:19092; start it with scripts/servers up tansu"))
    func onKafka() async throws {
        let database = try TemporaryDatabase.make("95_04_02-kafka")
        let topics = KafkaTopicService(
            configuration: KafkaConfiguration(host: "127.0.0.1", port: Int(LocalServer.tansu.port)),
            sessionTimeout: .seconds(2))
        defer { Task { await topics.close() } }
        let namespace = "ps" + UUID().uuidString.prefix(8).lowercased()
        let outcome = try await Example.run(.init(namespace: namespace), topics: topics, database: database).outcome
        #expect(outcome.service == "Kafka at 127.0.0.1:19092")
        for result in outcome.subscribers {
            #expect(result.handled.sorted() == result.expected && result.lag == 0)
        }
        #expect(outcome.subscribers.map(\.expected.count) == [4, 5, 6, 1])
    }

    @Test("95.4.2/3 topic-based routing: each subscription gets exactly the records its pattern matches")
    func topicRouting() async throws {
        let outcome = try await runEmbedded()
        for result in outcome.subscribers {
            #expect(result.handled.sorted() == result.expected, "\(result.subscription) ← \(result.pattern)")
        }
        let topicsOf = { (name: String) in
            Set(try self.subscriber(name, in: outcome).handled.map(Example.topic(ofRecord:)))
        }
        #expect(try topicsOf("fulfilment") == ["shop.orders.placed"])
        #expect(try topicsOf("customer_email") == ["shop.orders.placed", "shop.orders.cancelled"])
        #expect(try topicsOf("audit") == ["shop.orders.placed", "shop.orders.cancelled", "shop.payments.settled"])
        #expect(try topicsOf("ledger") == ["shop.payments.settled"])
    }

    @Test("95.4.2/4 fan-out: one record reaches every matching subscriber; a slow one does not slow the others")
    func fanOut() async throws {
        let outcome = try await runEmbedded(slowPace: .milliseconds(400))
        let placed = outcome.deliveries.filter { $0.type == "order.placed" }
        #expect(placed.map(\.order) == [1, 2, 3, 4])
        #expect(placed.allSatisfy { $0.subscribers == ["fulfilment", "customer_email", "audit"] })
        #expect(outcome.deliveries.first { $0.type == "payment.settled" }?.subscribers == ["audit", "ledger"])
        #expect(outcome.deliveries.first { $0.type == "order.cancelled" }?.subscribers == ["customer_email", "audit"])
        // The slow subscriber (400 ms per record, 5 records) had not finished when all fast ones had.
        let slow = try subscriber("customer_email", in: outcome)
        #expect(outcome.slowHandledWhenFastFinished < slow.expected.count)
        #expect(outcome.fastFinishedAfterMilliseconds < slow.finishedAfterMilliseconds)
    }

    @Test("95.4.2/expected pub/sub works, in-process and from the command line; a used store or topic is refused")
    func expectedBehavior() async throws {
        let outcome = try await runEmbedded()
        #expect(outcome.deliveries.count == 6 && outcome.deliveries.allSatisfy { !$0.subscribers.isEmpty })
        try await expectRefusesUsedStore {
            try await Example.run(.init(), topics: EventLog(database: $0), database: $0)
        }
        // A topic that already holds records (another store, same log service) is refused.
        let database = try TemporaryDatabase.make("95_04_02-topic")
        let log = EventLog(database: database)
        try await log.createTopic("shop.orders.placed", partitions: 1)
        _ = try await log.produce("shop.orders.placed", key: nil, value: ["order": 1], headers: [:])
        await #expect(throws: ExampleError.topicNotEmpty(topic: "shop.orders.placed", records: 1)) {
            try await Example.run(.init(), topics: log, database: database)
        }
        let cli = try ExampleProcess.checkCommandLine(
            "95_04_02_pubsub_pattern", item: "95.4.2", badArguments: ["--slow-ms", "-5"], expectInError: "--slow-ms")
        let subscribers = try #require(cli["subscribers"] as? [[String: Any]])
        #expect(subscribers.compactMap { $0["lag"] as? Int } == [0, 0, 0, 0])
    }
}
