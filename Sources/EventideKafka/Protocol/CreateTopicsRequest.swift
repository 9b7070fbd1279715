import NIOCore

/// CreateTopics v2: creates topics with a partition count and replication factor.
struct CreateTopicsRequest: KafkaRequest {
    static let apiKey: Int16 = 19
    static let apiVersion: Int16 = 2
    static let name = "CreateTopics v2"

    var topics: [(name: String, partitions: Int32, replicationFactor: Int16)]
    var timeoutMs: Int32

    struct Result: Sendable {
        var name: String
        var errorCode: Int16
        var errorMessage: String?
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeKafkaArray(topics) { buffer, topic in
            buffer.writeKafkaString(topic.name)
            buffer.writeInteger(topic.partitions)
            buffer.writeInteger(topic.replicationFactor)
            buffer.writeInteger(Int32(0))  // manual assignments
            buffer.writeInteger(Int32(0))  // configs
        }
        buffer.writeInteger(timeoutMs)
        buffer.writeKafkaBool(false)  // validate only
    }

    static func decode(_ reader: inout KafkaReader) throws(KafkaError) -> [Result] {
        _ = try reader.int32()  // throttle
        return try reader.array { (r: inout KafkaReader) throws(KafkaError) in
            Result(name: try r.string(), errorCode: try r.int16(), errorMessage: try r.nullableString())
        }
    }
}
