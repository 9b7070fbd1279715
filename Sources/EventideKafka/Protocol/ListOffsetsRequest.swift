import NIOCore

/// ListOffsets v1: the offset for a timestamp; -2 asks for the earliest, -1 for the latest.
struct ListOffsetsRequest: KafkaRequest {
    static let apiKey: Int16 = 2
    static let apiVersion: Int16 = 1
    static let name = "ListOffsets v1"
    static let earliest: Int64 = -2
    static let latest: Int64 = -1

    var partitions: [TopicPartition]
    var timestamp: Int64

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Int32(-1))  // replica id: a consumer
        let byTopic = Dictionary(grouping: partitions, by: \.topic)
        buffer.writeKafkaArray(byTopic.keys.sorted()) { buffer, topic in
            buffer.writeKafkaString(topic)
            buffer.writeKafkaArray(byTopic[topic]!) { buffer, partition in
                buffer.writeInteger(partition.partition)
                buffer.writeInteger(timestamp)
            }
        }
    }

    static func decode(_ reader: inout KafkaReader) throws(KafkaError) -> [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        for topic in try reader.array({ (r: inout KafkaReader) throws(KafkaError) in
            let topic = try r.string()
            return try r.array { (p: inout KafkaReader) throws(KafkaError) in
                let partition = try p.int32(), errorCode = try p.int16()
                _ = try p.int64()  // timestamp
                let offset = try p.int64()
                guard errorCode == 0 else {
                    throw KafkaError.broker(api: name, code: errorCode, context: "\(topic)/\(partition)")
                }
                return (TopicPartition(topic, partition), offset)
            }
        }) {
            for (partition, offset) in topic { offsets[partition] = offset }
        }
        return offsets
    }
}
