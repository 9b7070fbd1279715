import NIOCore

/// ApiVersions v0: which API versions the broker supports.
struct ApiVersionsRequest: KafkaRequest {
    static let apiKey: Int16 = 18
    static let apiVersion: Int16 = 0
    static let name = "ApiVersions v0"

    struct Response: Sendable {
        var errorCode: Int16
        var versions: [Int16: ClosedRange<Int16>]
    }

    func encode(into buffer: inout ByteBuffer) {}

    static func decode(_ reader: inout KafkaReader) throws(KafkaError) -> Response {
        let errorCode = try reader.int16()
        var versions: [Int16: ClosedRange<Int16>] = [:]
        for (key, range) in try reader.array({ (r: inout KafkaReader) throws(KafkaError) in
            let key = try r.int16(), min = try r.int16(), max = try r.int16()
            return (key, min...Swift.max(min, max))
        }) { versions[key] = range }
        return Response(errorCode: errorCode, versions: versions)
    }
}
