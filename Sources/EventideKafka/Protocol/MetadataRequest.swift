import NIOCore

/// Metadata v1: the brokers and, for each topic, its partitions and their leaders.
struct MetadataRequest: KafkaRequest {
    static let apiKey: Int16 = 3
    static let apiVersion: Int16 = 1
    static let name = "Metadata v1"

    /// `nil`: all topics.
    var topics: [String]?

    struct Broker: Sendable, Hashable {
        var nodeId: Int32
        var host: String
        var port: Int32
    }

    struct Topic: Sendable {
        var errorCode: Int16
        var name: String
        /// Partition index → leader node id.
        var leaders: [Int32: Int32]
    }

    struct Response: Sendable {
        var brokers: [Broker]
        var topics: [Topic]
    }

    func encode(into buffer: inout ByteBuffer) {
        if let topics {
            buffer.writeKafkaArray(topics) { $0.writeKafkaString($1) }
        } else {
            buffer.writeInteger(Int32(-1))
        }
    }

    static func decode(_ reader: inout KafkaReader) throws(KafkaError) -> Response {
        let brokers = try reader.array { (r: inout KafkaReader) throws(KafkaError) in
            let broker = Broker(nodeId: try r.int32(), host: try r.string(), port: try r.int32())
            _ = try r.nullableString()  // rack
            return broker
        }
        _ = try reader.int32()  // controller
        let topics = try reader.array { (r: inout KafkaReader) throws(KafkaError) in
            let errorCode = try r.int16()
            let name = try r.string()
            _ = try r.bool()  // internal
            var leaders: [Int32: Int32] = [:]
            for (partition, leader) in try r.array({ (p: inout KafkaReader) throws(KafkaError) in
                _ = try p.int16()
                let partition = try p.int32(), leader = try p.int32()
                _ = try p.array { (n: inout KafkaReader) throws(KafkaError) in try n.int32() }  // replicas
                _ = try p.array { (n: inout KafkaReader) throws(KafkaError) in try n.int32() }  // isr
                return (partition, leader)
            }) { leaders[partition] = leader }
            return Topic(errorCode: errorCode, name: name, leaders: leaders)
        }
        return Response(brokers: brokers, topics: topics)
    }
}
