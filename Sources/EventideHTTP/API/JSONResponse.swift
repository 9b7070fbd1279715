import Eventide
import Hummingbird
import NIOCore

extension Response {
    /// A JSON answer (compact, keys sorted).
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: value.jsonUTF8)))
    }
}
