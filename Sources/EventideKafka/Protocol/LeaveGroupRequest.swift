import NIOCore

/// LeaveGroup v0: leaves a group at once, so the others rebalance without waiting for the session timeout.
struct LeaveGroupRequest: KafkaRequest {
    static let apiKey: Int16 = 13
    static let apiVersion: Int16 = 0
    static let name = "LeaveGroup v0"

    var group: String
    var memberId: String

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeKafkaString(group)
        buffer.writeKafkaString(memberId)
    }

    static func decode(_ reader: inout KafkaReader) throws(KafkaError) -> Int16 { try reader.int16() }
}
