import Eventide
import EventideTesting
import Foundation
import Testing

@testable import EventideKafka

@Suite("Kafka trigger URIs", .timeLimit(.minutes(1)))
struct KafkaTriggerURITests {
    @Test("kafka://host:port/topic?group=g makes a KafkaTrigger; a URI without a group is refused")
    func factory() throws {
        let registry = TriggerRegistry().registering(KafkaTrigger.factory())
        let trigger = try #require(
            try registry.trigger(for: "kafka://127.0.0.1:19092/orders?group=g&sessionTimeoutMs=2000") as? KafkaTrigger)
        #expect(trigger.topic == "orders" && trigger.group == "g" && trigger.sessionTimeout == .seconds(2))
        #expect(trigger.configuration.host == "127.0.0.1" && trigger.configuration.port == 19092)
        #expect(
            (try registry.trigger(for: "kafka://broker/orders?group=g") as? KafkaTrigger)?.configuration.port == 9092)
        #expect(throws: TriggerError.self) { _ = try registry.trigger(for: "kafka://127.0.0.1:19092/orders") }
        #expect(throws: TriggerError.self) { _ = try registry.trigger(for: "kafka://127.0.0.1:19092/a/b?group=g") }
    }

    @Test("a trigger whose broker is down fails when opened, with a trigger error naming it")
    func brokerDown() {
        let trigger = KafkaTrigger(
            configuration: KafkaConfiguration(host: "127.0.0.1", port: 1), topic: "t", group: "g")
        #expect(throws: TriggerError.self) { _ = try trigger.events() }
    }
}

extension AgainstTansu {
    @Suite("Kafka trigger through an AssetWatcher")
    struct KafkaTriggerTests {
        let asset = try! Asset(uri: "kafka://127.0.0.1:19092/orders")
        let client = KafkaClient(Tansu.configuration)

        func orchestrator(_ watcher: AssetWatcher) async throws -> Orchestrator {
            let orchestrator = Orchestrator(database: try TemporaryDatabase.make("kafka-trigger"))
            let watched = asset.watched(by: [watcher])
            let dag = try DAG("consumer", schedule: .on([watched]), tasks: [TaskDefinition("t") { _ in .none }])
            try await orchestrator.register(dags: [dag], assets: [watched])
            return orchestrator
        }

        func trigger(_ topic: String, _ group: String) -> KafkaTrigger {
            KafkaTrigger(
                configuration: Tansu.configuration, topic: topic, group: group, sessionTimeout: Tansu.sessionTimeout)
        }

        func committed(_ group: String, _ topic: String) async throws -> Int64? {
            try await KafkaConsumer(client: client, group: group, topics: [topic]).committed([TopicPartition(topic, 0)]
            )[TopicPartition(topic, 0)]
        }

        @Test(
            "records become asset events with value, key, headers, partition and offset; each is committed after its asset event"
        )
        func recordsBecomeAssetEvents() async throws {
            let topic = Tansu.name("orders"), group = Tansu.name("watcher")
            try await client.createTopic(topic, partitions: 1)
            try await KafkaProducer(client: client).send([
                ProducerRecord(
                    topic: topic, key: "o-1", value: #"{"order": 1}"#, headers: [KafkaHeader("type", "placed")]),
                ProducerRecord(topic: topic, key: nil, value: "plain text"),
            ])
            let orchestrator = try await orchestrator(AssetWatcher(name: "w", trigger: trigger(topic, group)))
            try await orchestrator.withServices {
                _ = try await orchestrator.triggerer.waitFor(watcher: "w") { $0.eventsRecorded == 2 }
            }
            let events = try await orchestrator.scheduler.assetEvents(for: asset.key)
            let payloads = events.compactMap { $0.extra["payload"] }
            #expect(payloads.map { $0["value"] } == [["order": 1], "plain text"])
            #expect(payloads.map { $0["key"] } == ["o-1", .null])
            #expect(payloads.first?["headers"] == ["type": "placed"])
            #expect(payloads.map { $0["offset"] } == [0, 1] && payloads.allSatisfy { $0["partition"] == 0 })
            #expect(
                events.compactMap { if case .watcher(_, let id?) = $0.source { id } else { nil } } == [
                    "\(topic)/0@0", "\(topic)/0@1",
                ])
            #expect(try await committed(group, topic) == 2)
        }

        @Test("a record whose asset event was not committed is delivered again after a restart, and recorded once")
        func redeliveredAfterRestart() async throws {
            let topic = Tansu.name("orders"), group = Tansu.name("watcher")
            try await client.createTopic(topic, partitions: 1)
            try await KafkaProducer(client: client).send(
                ProducerRecord(topic: topic, key: "o-7", value: #"{"order": 7}"#))
            // A first triggerer receives the record and stops before its asset event is committed: no acknowledge.
            var crashed = try trigger(topic, group).events().makeAsyncIterator()
            let first = try #require(try await crashed.next())
            #expect(first.messageId == "\(topic)/0@0")
            #expect(try await committed(group, topic) == nil)

            let orchestrator = try await orchestrator(AssetWatcher(name: "w", trigger: trigger(topic, group)))
            try await orchestrator.withServices {
                _ = try await orchestrator.triggerer.waitFor(watcher: "w") { $0.eventsRecorded == 1 }
            }
            let events = try await orchestrator.scheduler.assetEvents(for: asset.key)
            #expect(events.count == 1)
            #expect(events.first?.extra["payload"]?["value"] == ["order": 7])
            #expect(try await committed(group, topic) == 1)
        }

        /// The asset expects an object value with an `order`; anything else is a poison record.
        static func requireOrder(_ event: TriggerEvent) throws -> [String: JSONValue] {
            guard let order = event.payload["value"]?["order"] else {
                throw EventError.schemaViolation(
                    type: "orders", reason: "value has no 'order': \(event.payload["value"]?.jsonText ?? "null")")
            }
            return ["order": order]
        }

        @Test("a poison record ends in <topic>.dlq with its reason, is committed past, and the next record is recorded")
        func poisonRecordDeadLettered() async throws {
            let topic = Tansu.name("orders"), group = Tansu.name("watcher")
            try await client.createTopic(topic, partitions: 1)
            try await KafkaProducer(client: client).send([
                ProducerRecord(topic: topic, key: "bad", value: "not an order", headers: [KafkaHeader("trace", "t-1")]),
                ProducerRecord(topic: topic, key: "good", value: #"{"order": 8}"#),
            ])
            let orchestrator = try await orchestrator(
                AssetWatcher(name: "w", trigger: trigger(topic, group), extract: Self.requireOrder))
            let status = try await orchestrator.withServices {
                try await orchestrator.triggerer.waitFor(watcher: "w") {
                    $0.eventsRecorded == 1 && $0.deadLettered == 1
                }
            }
            #expect(status.restarts == 0)
            #expect(try await orchestrator.scheduler.assetEvents(for: asset.key).map { $0.extra["order"] } == [8])
            #expect(try await committed(group, topic) == 2)

            let dlq = Tansu.consumer(
                client, group: Tansu.name("dlq-reader"), topic: KafkaTrigger.deadLetterTopic(of: topic))
            let letters = try await Tansu.poll(dlq, count: 1)
            await dlq.close()
            #expect(letters.count == 1)
            let letter = try #require(letters.first)
            #expect(letter.keyString == "bad" && letter.valueString == "not an order")
            #expect(letter.header("trace") == "t-1")
            #expect(letter.header("dlq-reason")?.contains("value has no 'order'") == true)
            #expect(letter.header("dlq-source") == "\(topic)/0@0")
            #expect(try await orchestrator.triggerer.deadLetters.list(source: "w").map(\.messageId) == ["\(topic)/0@0"])
        }

        @Test(
            "a value that is not UTF-8 is dead-lettered with its original bytes, in the store and in <topic>.dlq (issue 14)"
        )
        func nonUTF8ValueKeepsItsBytes() async throws {
            let topic = Tansu.name("orders"), group = Tansu.name("watcher")
            let bytes: [UInt8] = [0xFF, 0xFE, 0x00, 0x80, 0xC3, 0x28, 0x7B]
            try await client.createTopic(topic, partitions: 1)
            try await KafkaProducer(client: client).send([
                ProducerRecord(topic: topic, value: bytes),
                ProducerRecord(topic: topic, key: "good", value: #"{"order": 9}"#),
            ])
            let orchestrator = try await orchestrator(
                AssetWatcher(name: "w", trigger: trigger(topic, group), extract: Self.requireOrder))
            _ = try await orchestrator.withServices {
                try await orchestrator.triggerer.waitFor(watcher: "w") {
                    $0.eventsRecorded == 1 && $0.deadLettered == 1
                }
            }
            let letter = try #require(try await orchestrator.triggerer.deadLetters.list(source: "w").first)
            #expect(letter.originalBytes == Data(bytes))
            let dlq = Tansu.consumer(
                client, group: Tansu.name("dlq-reader"), topic: KafkaTrigger.deadLetterTopic(of: topic))
            let moved = try await Tansu.poll(dlq, count: 1)
            await dlq.close()
            #expect(moved.map(\.value) == [bytes])
        }
    }
}
