import NIOCore

/// Fetch v4: record batches from partitions at given offsets, waiting up to `maxWaitMs` for `minBytes`.
struct FetchRequest: KafkaRequest {
    static let apiKey: Int16 = 1
    static let apiVersion: Int16 = 4
    static let name = "Fetch v4"

    var maxWaitMs: Int32
    var minBytes: Int32
    var maxBytes: Int32
    var partitionMaxBytes: Int32
    var offsets: [(TopicPartition, Int64)]

    struct PartitionData: Sendable {
        var partition: TopicPartition
        var errorCode: Int16
        var highWatermark: Int64
        var records: ByteBuffer?
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Int32(-1))  // replica id: a consumer
        buffer.writeInteger(maxWaitMs)
        buffer.writeInteger(minBytes)
        buffer.writeInteger(maxBytes)
        buffer.writeInteger(Int8(0))  // read uncommitted
        let byTopic = Dictionary(grouping: offsets, by: { $0.0.topic })
        buffer.writeKafkaArray(byTopic.keys.sorted()) { buffer, topic in
            buffer.writeKafkaString(topic)
            buffer.writeKafkaArray(byTopic[topic]!) { buffer, entry in
                buffer.writeInteger(entry.0.partition)
                buffer.writeInteger(entry.1)
                buffer.writeInteger(partitionMaxBytes)
            }
        }
    }

    static func decode(_ reader: inout KafkaReader) throws(KafkaError) -> [PartitionData] {
        _ = try reader.int32()  // throttle
        let topics = try reader.array { (r: inout KafkaReader) throws(KafkaError) in
            let topic = try r.string()
            return try r.array { (p: inout KafkaReader) throws(KafkaError) in
                let partition = try p.int32(), errorCode = try p.int16(), highWatermark = try p.int64()
                _ = try p.int64()  // last stable offset
                _ = try p.array { (a: inout KafkaReader) throws(KafkaError) in (try a.int64(), try a.int64()) }
                return PartitionData(
                    partition: TopicPartition(topic, partition), errorCode: errorCode,
                    highWatermark: highWatermark, records: try p.nullableBytes())
            }
        }
        return topics.flatMap { $0 }
    }
}
