import NIOCore

/// Produce v3: record batches (RecordBatch v2) for partitions, acknowledged per `acks`.
struct ProduceRequest: KafkaRequest {
    static let apiKey: Int16 = 0
    static let apiVersion: Int16 = 3
    static let name = "Produce v3"

    /// -1: all in-sync replicas.
    var acks: Int16
    var timeoutMs: Int32
    var batches: [(TopicPartition, ByteBuffer)]

    struct Result: Sendable {
        var partition: TopicPartition
        var errorCode: Int16
        var baseOffset: Int64
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeKafkaNullableString(nil)  // transactional id
        buffer.writeInteger(acks)
        buffer.writeInteger(timeoutMs)
        let byTopic = Dictionary(grouping: batches, by: { $0.0.topic })
        buffer.writeKafkaArray(byTopic.keys.sorted()) { buffer, topic in
            buffer.writeKafkaString(topic)
            buffer.writeKafkaArray(byTopic[topic]!) { buffer, entry in
                buffer.writeInteger(entry.0.partition)
                buffer.writeKafkaBytes(entry.1)
            }
        }
    }

    static func decode(_ reader: inout KafkaReader) throws(KafkaError) -> [Result] {
        let topics = try reader.array { (r: inout KafkaReader) throws(KafkaError) in
            let topic = try r.string()
            return try r.array { (p: inout KafkaReader) throws(KafkaError) in
                let result = Result(
                    partition: TopicPartition(topic, try p.int32()), errorCode: try p.int16(),
                    baseOffset: try p.int64())
                _ = try p.int64()  // log append time
                return result
            }
        }
        _ = try reader.int32()  // throttle
        return topics.flatMap { $0 }
    }
}
