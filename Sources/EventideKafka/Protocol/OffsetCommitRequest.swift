import NIOCore

/// OffsetCommit v2: stores a group's next offsets to read, checked against the member's generation.
struct OffsetCommitRequest: KafkaRequest {
    static let apiKey: Int16 = 8
    static let apiVersion: Int16 = 2
    static let name = "OffsetCommit v2"

    var group: String
    var generationId: Int32
    var memberId: String
    var offsets: [TopicPartition: Int64]

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeKafkaString(group)
        buffer.writeInteger(generationId)
        buffer.writeKafkaString(memberId)
        buffer.writeInteger(Int64(-1))  // retention: the broker's default
        let byTopic = Dictionary(grouping: offsets.keys, by: \.topic)
        buffer.writeKafkaArray(byTopic.keys.sorted()) { buffer, topic in
            buffer.writeKafkaString(topic)
            buffer.writeKafkaArray(byTopic[topic]!.sorted()) { buffer, partition in
                buffer.writeInteger(partition.partition)
                buffer.writeInteger(offsets[partition]!)
                buffer.writeKafkaNullableString(nil)  // metadata
            }
        }
    }

    static func decode(_ reader: inout KafkaReader) throws(KafkaError) -> [TopicPartition: Int16] {
        var errors: [TopicPartition: Int16] = [:]
        for topic in try reader.array({ (r: inout KafkaReader) throws(KafkaError) in
            let topic = try r.string()
            return try r.array { (p: inout KafkaReader) throws(KafkaError) in
                (TopicPartition(topic, try p.int32()), try p.int16())
            }
        }) {
            for (partition, code) in topic { errors[partition] = code }
        }
        return errors
    }
}
