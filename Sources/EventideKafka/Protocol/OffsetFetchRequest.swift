import NIOCore

/// OffsetFetch v1: a group's committed offsets; -1 when the group has none for a partition.
struct OffsetFetchRequest: KafkaRequest {
    static let apiKey: Int16 = 9
    static let apiVersion: Int16 = 1
    static let name = "OffsetFetch v1"

    var group: String
    var partitions: [TopicPartition]

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeKafkaString(group)
        let byTopic = Dictionary(grouping: partitions, by: \.topic)
        buffer.writeKafkaArray(byTopic.keys.sorted()) { buffer, topic in
            buffer.writeKafkaString(topic)
            buffer.writeKafkaArray(byTopic[topic]!.map(\.partition).sorted()) { $0.writeInteger($1) }
        }
    }

    static func decode(_ reader: inout KafkaReader) throws(KafkaError) -> [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        for topic in try reader.array({ (r: inout KafkaReader) throws(KafkaError) in
            let topic = try r.string()
            return try r.array { (p: inout KafkaReader) throws(KafkaError) in
                let partition = try p.int32(), offset = try p.int64()
                _ = try p.nullableString()
                let code = try p.int16()
                guard code == 0 || code == KafkaErrorCode.unknownTopicOrPartition else {
                    throw KafkaError.broker(api: name, code: code, context: "\(topic)/\(partition)")
                }
                return (TopicPartition(topic, partition), offset)
            }
        }) {
            for (partition, offset) in topic { offsets[partition] = offset }
        }
        return offsets
    }
}
