import Eventide
import Foundation
import Hummingbird

/// An error answer in Airflow's shape: `{"detail": <string or list>}` with a status, as FastAPI's
/// `HTTPException` (a string) and its request validation (a list of `{"loc","msg","type"}`) answer.
public struct HTTPProblem: Error, HTTPResponseError, Sendable, Equatable {
    public let status: HTTPResponse.Status
    public let detail: JSONValue
    /// Extra response headers (e.g. `WWW-Authenticate` on a 401).
    public let headers: HTTPFields

    public init(_ status: HTTPResponse.Status, detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.detail = .string(detail)
        self.headers = headers
    }

    public init(_ status: HTTPResponse.Status, detail: JSONValue, headers: HTTPFields = [:]) {
        self.status = status
        self.detail = detail
        self.headers = headers
    }

    /// One FastAPI validation error (422 and some 400s): where, what, and its type (e.g. `extra_forbidden`).
    public static func validation(
        _ status: HTTPResponse.Status = .unprocessableContent, loc: [String], msg: String, type: String
    ) -> HTTPProblem {
        HTTPProblem(
            status,
            detail: .array([
                .object([
                    "loc": .array(loc.map(JSONValue.string)), "msg": .string(msg), "type": .string(type),
                ])
            ]))
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        let body = JSONValue.object(["detail": detail]).jsonText
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
