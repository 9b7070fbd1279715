import NIOCore

/// The embedded "consumer" protocol (version 0) that JoinGroup and SyncGroup carry as opaque bytes.
enum ConsumerProtocol {
    static let rangeAssignor = "range"

    struct Subscription: Sendable, Equatable {
        var topics: [String]

        func encoded() -> ByteBuffer {
            var buffer = ByteBuffer()
            buffer.writeInteger(Int16(0))
            buffer.writeKafkaArray(topics) { $0.writeKafkaString($1) }
            buffer.writeKafkaBytes(nil)  // user data
            return buffer
        }

        static func decode(_ reader: inout KafkaReader) throws(KafkaError) -> Subscription {
            _ = try reader.int16()
            let topics = try reader.array { (r: inout KafkaReader) throws(KafkaError) in try r.string() }
            return Subscription(topics: topics)
        }
    }

    struct Assignment: Sendable, Equatable {
        var partitions: [TopicPartition]

        func encoded() -> ByteBuffer {
            var buffer = ByteBuffer()
            buffer.writeInteger(Int16(0))
            let byTopic = Dictionary(grouping: partitions, by: \.topic)
            buffer.writeKafkaArray(byTopic.keys.sorted()) { buffer, topic in
                buffer.writeKafkaString(topic)
                buffer.writeKafkaArray(byTopic[topic]!.map(\.partition).sorted()) { $0.writeInteger($1) }
            }
            buffer.writeKafkaBytes(nil)
            return buffer
        }

        static func decode(_ reader: inout KafkaReader) throws(KafkaError) -> Assignment {
            if reader.readableBytes == 0 { return Assignment(partitions: []) }  // no partitions for this member
            _ = try reader.int16()
            let topics = try reader.array { (r: inout KafkaReader) throws(KafkaError) in
                let topic = try r.string()
                return try r.array { (p: inout KafkaReader) throws(KafkaError) in TopicPartition(topic, try p.int32()) }
            }
            return Assignment(partitions: topics.flatMap { $0 }.sorted())
        }
    }
}
