import NIOCore

/// JoinGroup v2: joins (or rejoins) a consumer group; the answer names the generation, the leader and, for the
/// leader, every member's subscription.
struct JoinGroupRequest: KafkaRequest {
    static let apiKey: Int16 = 11
    static let apiVersion: Int16 = 2
    static let name = "JoinGroup v2"

    var group: String
    var sessionTimeoutMs: Int32
    var rebalanceTimeoutMs: Int32
    var memberId: String
    /// The consumer protocol's subscription (v0) for the "range" assignor.
    var subscription: ConsumerProtocol.Subscription

    struct Response: Sendable {
        var errorCode: Int16
        var generationId: Int32
        var protocolName: String
        var leaderId: String
        var memberId: String
        var members: [(memberId: String, subscription: ConsumerProtocol.Subscription)]
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeKafkaString(group)
        buffer.writeInteger(sessionTimeoutMs)
        buffer.writeInteger(rebalanceTimeoutMs)
        buffer.writeKafkaString(memberId)
        buffer.writeKafkaString("consumer")
        buffer.writeInteger(Int32(1))
        buffer.writeKafkaString(ConsumerProtocol.rangeAssignor)
        buffer.writeKafkaBytes(subscription.encoded())
    }

    static func decode(_ reader: inout KafkaReader) throws(KafkaError) -> Response {
        _ = try reader.int32()  // throttle
        let errorCode = try reader.int16(), generationId = try reader.int32()
        let protocolName = try reader.nullableString() ?? ""
        let leaderId = try reader.string(), memberId = try reader.string()
        let members = try reader.array { (r: inout KafkaReader) throws(KafkaError) in
            let id = try r.string()
            var metadata = KafkaReader(try r.bytes(), api: name)
            let subscription = try ConsumerProtocol.Subscription.decode(&metadata)
            return (memberId: id, subscription: subscription)
        }
        return Response(
            errorCode: errorCode, generationId: generationId, protocolName: protocolName,
            leaderId: leaderId, memberId: memberId, members: members)
    }
}
