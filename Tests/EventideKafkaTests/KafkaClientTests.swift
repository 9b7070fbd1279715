import Foundation
import Testing

@testable import EventideKafka

extension AgainstTansu {
    @Suite("Kafka client", .timeLimit(.minutes(2)))
    struct KafkaClientTests {
        let client = KafkaClient(Tansu.configuration)

        @Test("tansu supports every API version this client speaks")
        func apiVersions() async throws {
            let versions = try await client.apiVersions()
            let spoken: [(Int16, Int16)] = [
                (18, 0), (19, 2), (3, 1), (0, 3), (2, 1), (1, 4), (10, 0), (11, 2),
                (14, 1), (12, 1), (8, 2), (9, 1), (13, 0),
            ]
            for (key, version) in spoken {
                #expect(versions[key]?.contains(version) == true, "API \(key) v\(version)")
            }
        }

        @Test("records round-trip with keys and headers, in order per partition, each key on its murmur2 partition")
        func roundTrip() async throws {
            let topic = Tansu.name("round-trip")
            #expect(try await client.createTopic(topic, partitions: 3))
            #expect(try await client.createTopic(topic, partitions: 3) == false, "already exists")
            let producer = KafkaProducer(client: client)
            let records = (0..<300).map { n in
                ProducerRecord(
                    topic: topic, key: "key-\(n % 17)", value: #"{"n":\#(n)}"#,
                    headers: [KafkaHeader("n", "\(n)"), KafkaHeader("source", "eventide")])
            }
            // Half one by one (concurrently, so the producer batches them), half as one call.
            let firstHalf = try await withThrowingTaskGroup(of: RecordMetadata.self) { group in
                for record in records[..<150] { group.addTask { try await producer.send(record) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let secondHalf = try await producer.send(Array(records[150...]))
            #expect(firstHalf.count == 150 && secondHalf.count == 150)

            let consumer = Tansu.consumer(client, group: Tansu.name("g"), topic: topic)
            let received = try await Tansu.poll(consumer, count: 300)
            await consumer.close()
            #expect(received.count == 300)
            let partitioner = Murmur2Partitioner()
            for record in received {
                #expect(record.partition == partitioner.partition(forKey: record.key!, partitions: 3))
                #expect(record.header("source") == "eventide")
                #expect(record.valueString == #"{"n":\#(record.header("n")!)}"#)
            }
            for partition in 0..<3 {
                let offsets = received.filter { $0.partition == partition }.map(\.offset)
                #expect(offsets == Array(0..<Int64(offsets.count)), "partition \(partition) gapless and in order")
            }
            // In each partition the sequential second half follows the concurrent first half, in the order sent.
            for partition in 0..<3 {
                let ns = received.filter { $0.partition == partition }.map { Int($0.header("n")!)! }
                let concurrent = ns.filter { $0 < 150 }.count
                #expect(ns.prefix(concurrent).allSatisfy { $0 < 150 })
                #expect(Array(ns.dropFirst(concurrent)) == ns.dropFirst(concurrent).sorted())
            }
            let watermarks = try await client.highWatermarks((0..<3).map { TopicPartition(topic, $0) })
            #expect(watermarks.values.reduce(0, +) == 300)
        }

        @Test("two members of one group split the partitions, and the survivor takes them all when one leaves")
        func groupRebalance() async throws {
            let topic = Tansu.name("rebalance")
            try await client.createTopic(topic, partitions: 4)
            let group = Tansu.name("g")
            let first = Tansu.consumer(client, group: group, topic: topic)
            let second = Tansu.consumer(KafkaClient(Tansu.configuration), group: group, topic: topic)
            #expect(try await Tansu.poll(first, until: { await $0.assignment.count == 4 }))
            let split = try await withThrowingTaskGroup(of: Bool.self) { tasks in
                for member in [first, second] {
                    tasks.addTask { try await Tansu.poll(member, until: { await $0.assignment.count == 2 }) }
                }
                return try await tasks.reduce(true) { $0 && $1 }
            }
            #expect(split)
            let a = await first.assignment, b = await second.assignment
            #expect(Set(a).isDisjoint(with: b) && Set(a + b).count == 4, "\(a) and \(b) cover the topic once")
            await second.close()
            #expect(try await Tansu.poll(first, until: { await $0.assignment.count == 4 }))
            #expect(await first.generationsJoined >= 3)
            await first.close()
        }

        @Test("committed offsets survive a consumer restart: the next member resumes after the last commit")
        func committedOffsetsSurvive() async throws {
            let topic = Tansu.name("commits")
            try await client.createTopic(topic, partitions: 1)
            let producer = KafkaProducer(client: client)
            try await producer.send((0..<10).map { ProducerRecord(topic: topic, value: "m\($0)") })
            let group = Tansu.name("g")
            let before = Tansu.consumer(client, group: group, topic: topic)
            let first = try await Tansu.poll(before, count: 10)
            #expect(first.map(\.valueString) == (0..<10).map { "m\($0)" })
            try await before.commit(first[5])  // processed m0...m5
            await before.close()

            let after = Tansu.consumer(KafkaClient(Tansu.configuration), group: group, topic: topic)
            #expect(try await after.committed([TopicPartition(topic, 0)]) == [TopicPartition(topic, 0): 6])
            let resumed = try await Tansu.poll(after, count: 4)
            #expect(resumed.map(\.valueString) == ["m6", "m7", "m8", "m9"])
            await after.close()
        }

        @Test("killed mid-stream and restarted, the broker keeps every acknowledged record and the client reconnects")
        func brokerRestart() async throws {
            try await Tansu.PrivateBroker.with("restart") { broker in
                let client = KafkaClient(broker.configuration)
                let topic = Tansu.name("restart")
                try await client.createTopic(topic, partitions: 2)
                let producer = KafkaProducer(client: client)
                let group = Tansu.name("g")
                let consumer = Tansu.consumer(client, group: group, topic: topic)
                var acknowledged = try await producer.send(
                    (0..<50).map { ProducerRecord(topic: topic, key: "k\($0 % 5)", value: "m\($0)") })
                var received = try await Tansu.poll(consumer, count: 20)  // mid-stream: some read, not all
                try await broker.kill()
                // Sends while the broker is down wait (reconnecting with backoff) and complete once it is back.
                async let during = producer.send(
                    (50..<100).map { ProducerRecord(topic: topic, key: "k\($0 % 5)", value: "m\($0)") })
                try await broker.start()
                acknowledged += try await during
                received += try await Tansu.poll(consumer, count: 100 - received.count, timeout: .seconds(40))
                await consumer.close()
                #expect(acknowledged.count == 100)
                let stored = Set(received.map { "\($0.partition)@\($0.offset)" })
                let missing = acknowledged.filter { !stored.contains("\($0.partition)@\($0.offset)") }
                #expect(missing.isEmpty, "acknowledged but not read back: \(missing)")
                #expect(Set(received.compactMap(\.valueString)) == Set((0..<100).map { "m\($0)" }))
            }
        }

        @Test("interop with confluent-kafka: its murmur2_random records land where ours would, and it reads ours")
        func interop() async throws {
            let topic = Tansu.name("interop")
            try await client.createTopic(topic, partitions: 4)
            let produced = try await Tansu.interop(["produce", "--topic", topic, "--count", "40"])
            #expect(produced.count == 40)
            let partitioner = Murmur2Partitioner()
            for record in produced {
                let key = record["key"] as! String
                #expect(
                    record["partition"] as? Int == Int(partitioner.partition(forKey: Array(key.utf8), partitions: 4)),
                    "librdkafka put \(key) on \(record["partition"]!)")
            }
            let consumer = Tansu.consumer(client, group: Tansu.name("g"), topic: topic)
            let theirs = try await Tansu.poll(consumer, count: 40)
            await consumer.close()
            #expect(theirs.count == 40)
            for record in theirs {
                let n = Int(record.header("n")!)!
                #expect(record.keyString == "key-\(n)" && record.header("source") == "confluent")
                #expect(record.valueString == #"{"n": \#(n)}"#)
                #expect(record.partition == partitioner.partition(forKey: record.key!, partitions: 4))
            }

            let ours = Tansu.name("interop-ours")
            try await client.createTopic(ours, partitions: 3)
            let sent = try await KafkaProducer(client: client).send(
                (0..<30).map {
                    ProducerRecord(topic: ours, key: "key-\($0)", value: "v\($0)", headers: [KafkaHeader("n", "\($0)")])
                })
            let read = try await Tansu.interop([
                "consume", "--topic", ours, "--group", Tansu.name("g"), "--count", "30",
            ])
            #expect(read.count == 30)
            for record in read {
                let n = Int((record["headers"] as! [String: Any])["n"] as! String)!
                #expect(record["key"] as? String == "key-\(n)" && record["value"] as? String == "v\(n)")
                #expect(
                    record["partition"] as? Int == Int(sent[n].partition)
                        && record["offset"] as? Int == Int(sent[n].offset))
            }
        }
    }
}
