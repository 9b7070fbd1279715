/// Where an example's topics live: the embedded SQLite log (`EventLog`, offline, the default) or Kafka
/// (`KafkaTopicService` in EventideKafka). Both keep Kafka's contract — partitions, keys that pin a partition,
/// offsets, consumer groups that commit — so code written against this protocol runs unchanged on either.
public protocol TopicService: Sendable, CustomStringConvertible {
    func createTopic(_ name: String, partitions: Int) async throws
    /// Appends a record; records with the same key go to the same partition, in order. Returns where it went.
    func produce(_ topic: String, key: String?, value: JSONValue, headers: [String: String]) async throws -> LogPosition
    /// The offset the next record of each partition gets.
    func endOffsets(_ topic: String) async throws -> [Int: Int]
    /// The group's committed offset of each partition (the next record it will read); absent where none.
    func committedOffsets(group: String, topic: String) async throws -> [Int: Int]
    /// A trigger for an `AssetWatcher`, as a member of `group`: payload `{"value", "key", "headers", "topic",
    /// "partition", "offset"}`, message id `topic/partition@offset`; acknowledging commits the offset after it.
    func trigger(topic: String, group: String) -> any Trigger
}

extension EventLog: TopicService {
    public var description: String { "the embedded log" }

    public func produce(_ topic: String, key: String?, value: JSONValue, headers: [String: String]) async throws
        -> LogPosition
    {
        let event = try EventEnvelope(
            type: "record", source: "eventide://log/\(topic)",
            data: [
                "value": value, "headers": .object(headers.mapValues(JSONValue.string)),
            ])
        return try await append(event, to: topic, key: key).position
    }

    public func endOffsets(_ topic: String) async throws -> [Int: Int] {
        var offsets: [Int: Int] = [:]
        for partition in 0..<(try await partitionCount(of: topic)) {
            offsets[partition] = try await endOffset(topic: topic, partition: partition)
        }
        return offsets
    }

    public func committedOffsets(group: String, topic: String) async throws -> [Int: Int] {
        var offsets: [Int: Int] = [:]
        for partition in 0..<(try await partitionCount(of: topic)) {
            let offset = try await committedOffset(group: group, topic: topic, partition: partition)
            if offset > 0 { offsets[partition] = offset }
        }
        return offsets
    }

    public func trigger(topic: String, group: String) -> any Trigger {
        MappedTrigger(LogTopicTrigger(log: self, topic: topic, group: group)) { event in
            var event = event
            let data = event.payload["event"]?["data"]
            event.payload = [
                "value": data?["value"] ?? .null, "key": event.payload["key"] ?? .null,
                "headers": data?["headers"] ?? [:], "topic": event.payload["topic"] ?? .null,
                "partition": event.payload["partition"] ?? .null, "offset": event.payload["offset"] ?? .null,
            ]
            return event
        }
    }
}
