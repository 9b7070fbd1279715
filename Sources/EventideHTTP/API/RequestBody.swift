import Eventide
import Foundation
import Hummingbird
import NIOCore

/// A request's JSON body, read with a size limit and parsed as FastAPI answers: an empty body is a missing body
/// (422 `missing`), malformed JSON is 422 `json_invalid`, and a body that is not an object is 422
/// `model_attributes_type`. A body over the context's `maxUploadSize` is refused with 413: before it is read at
/// all when `Content-Length` says so, after that many bytes otherwise.
enum RequestBody {
    static func object(_ request: Request, context: EventideRequestContext) async throws -> [String: JSONValue] {
        let limit = context.maxUploadSize
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw tooLarge(limit)
        }
        let bytes: ByteBuffer
        do {
            bytes = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge(limit)
        }
        var errors = ValidationErrors()
        guard bytes.readableBytes > 0 else {
            errors.add(["body"], "Field required", type: "missing")
            throw errors.problem
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(String(buffer: bytes))
        } catch {
            errors.add(["body"], "JSON decode error", type: "json_invalid")
            throw errors.problem
        }
        guard case .object(let object) = value else {
            errors.add(
                ["body"], "Input should be a valid dictionary or object to extract fields from",
                type: "model_attributes_type")
            throw errors.problem
        }
        return object
    }

    static func tooLarge(_ limit: Int) -> HTTPProblem {
        HTTPProblem(.contentTooLarge, detail: "The request body is larger than \(limit) bytes.")
    }
}
