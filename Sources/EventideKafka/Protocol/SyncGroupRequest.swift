import NIOCore

/// SyncGroup v1: the leader sends every member's assignment; every member receives its own.
struct SyncGroupRequest: KafkaRequest {
    static let apiKey: Int16 = 14
    static let apiVersion: Int16 = 1
    static let name = "SyncGroup v1"

    var group: String
    var generationId: Int32
    var memberId: String
    /// Empty unless this member is the leader.
    var assignments: [(memberId: String, assignment: ConsumerProtocol.Assignment)]

    struct Response: Sendable {
        var errorCode: Int16
        var assignment: ConsumerProtocol.Assignment
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeKafkaString(group)
        buffer.writeInteger(generationId)
        buffer.writeKafkaString(memberId)
        buffer.writeKafkaArray(assignments) { buffer, entry in
            buffer.writeKafkaString(entry.memberId)
            buffer.writeKafkaBytes(entry.assignment.encoded())
        }
    }

    static func decode(_ reader: inout KafkaReader) throws(KafkaError) -> Response {
        _ = try reader.int32()  // throttle
        let errorCode = try reader.int16()
        var assignment = KafkaReader(try reader.bytes(), api: name)
        return Response(
            errorCode: errorCode,
            assignment: errorCode == 0
                ? try ConsumerProtocol.Assignment.decode(&assignment)
                : ConsumerProtocol.Assignment(partitions: []))
    }
}
