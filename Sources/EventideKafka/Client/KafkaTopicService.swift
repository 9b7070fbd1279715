import Eventide
import Foundation

/// The `TopicService` on a Kafka broker: topics through `KafkaClient`, records through one `KafkaProducer`
/// (JSON values, string keys and headers), offsets from the broker, and a `KafkaTrigger` per watcher.
public actor KafkaTopicService: TopicService {
    public nonisolated let configuration: KafkaConfiguration
    /// The consumer groups' session timeout (tansu answers a join only after about half of it).
    public nonisolated let sessionTimeout: Duration
    private let client: KafkaClient
    private let producer: KafkaProducer

    public init(configuration: KafkaConfiguration, sessionTimeout: Duration = .seconds(10)) {
        self.configuration = configuration
        self.sessionTimeout = sessionTimeout
        client = KafkaClient(configuration)
        producer = KafkaProducer(client: client, maxBatchRecords: 1)
    }

    public nonisolated var description: String { "Kafka at \(configuration.host):\(configuration.port)" }

    public func createTopic(_ name: String, partitions: Int) async throws {
        _ = try await client.createTopic(name, partitions: partitions)
    }

    public func produce(_ topic: String, key: String?, value: JSONValue, headers: [String: String]) async throws
        -> LogPosition
    {
        let metadata = try await producer.send(
            ProducerRecord(
                topic: topic, key: key.map { Array($0.utf8) }, value: Array(value.jsonText.utf8),
                headers: headers.sorted { $0.key < $1.key }.map { KafkaHeader($0.key, $0.value) }))
        return LogPosition(topic: topic, partition: Int(metadata.partition), offset: Int(metadata.offset))
    }

    public func endOffsets(_ topic: String) async throws -> [Int: Int] {
        let count = try await client.partitionCount(topic)
        let marks = try await client.highWatermarks((0..<count).map { TopicPartition(topic, Int32($0)) })
        return Dictionary(uniqueKeysWithValues: marks.map { (Int($0.key.partition), Int($0.value)) })
    }

    public func committedOffsets(group: String, topic: String) async throws -> [Int: Int] {
        let count = try await client.partitionCount(topic)
        let consumer = KafkaConsumer(client: client, group: group, topics: [topic], sessionTimeout: sessionTimeout)
        let offsets = try await consumer.committed((0..<count).map { TopicPartition(topic, Int32($0)) })
        return Dictionary(uniqueKeysWithValues: offsets.map { (Int($0.key.partition), Int($0.value)) })
    }

    public nonisolated func trigger(topic: String, group: String) -> any Trigger {
        KafkaTrigger(configuration: configuration, topic: topic, group: group, sessionTimeout: sessionTimeout)
    }

    /// Closes the connections (the producer's client).
    public func close() async { await client.close() }
}
