import NIOCore

/// FindCoordinator v0: the broker that coordinates a consumer group.
struct FindCoordinatorRequest: KafkaRequest {
    static let apiKey: Int16 = 10
    static let apiVersion: Int16 = 0
    static let name = "FindCoordinator v0"

    var group: String

    struct Response: Sendable {
        var errorCode: Int16
        var nodeId: Int32
        var host: String
        var port: Int32
    }

    func encode(into buffer: inout ByteBuffer) { buffer.writeKafkaString(group) }

    static func decode(_ reader: inout KafkaReader) throws(KafkaError) -> Response {
        Response(
            errorCode: try reader.int16(), nodeId: try reader.int32(), host: try reader.string(),
            port: try reader.int32())
    }
}
