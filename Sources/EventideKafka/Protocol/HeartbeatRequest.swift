import NIOCore

/// Heartbeat v1: keeps a member in its group; REBALANCE_IN_PROGRESS tells it to rejoin.
struct HeartbeatRequest: KafkaRequest {
    static let apiKey: Int16 = 12
    static let apiVersion: Int16 = 1
    static let name = "Heartbeat v1"

    var group: String
    var generationId: Int32
    var memberId: String

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeKafkaString(group)
        buffer.writeInteger(generationId)
        buffer.writeKafkaString(memberId)
    }

    static func decode(_ reader: inout KafkaReader) throws(KafkaError) -> Int16 {
        _ = try reader.int32()  // throttle
        return try reader.int16()
    }
}
