import Foundation
import Hummingbird

/// Path and query parameters as FastAPI reads them: path segments percent-decoded, integers checked (422
/// `int_parsing`), pages bounded as Airflow's are (`limit` 50 by default, at most 100; `offset` from 0).
struct QueryParameters {
    static let defaultLimit = 50
    static let maximumLimit = 100

    /// A path segment, percent-decoded.
    static func path(_ name: String, _ context: some RequestContext) throws -> String {
        let raw = try context.parameters.require(name)
        return raw.removingPercentEncoding ?? raw
    }

    /// An integer path segment (an asset id).
    static func integerPath(_ name: String, _ context: some RequestContext) throws -> Int64 {
        let text = try path(name, context)
        guard let value = Int64(text) else {
            var errors = ValidationErrors()
            errors.add(
                ["path", name], "Input should be a valid integer, unable to parse string as an integer",
                type: "int_parsing")
            throw errors.problem
        }
        return value
    }

    /// `limit` and `offset`, both checked before either is used.
    static func page(_ request: Request) throws(HTTPProblem) -> (limit: Int, offset: Int) {
        var errors = ValidationErrors()
        let limit = nonNegative("limit", request, default: defaultLimit, &errors)
        let offset = nonNegative("offset", request, default: 0, &errors)
        try errors.throwIfAny()
        return (min(limit, maximumLimit), offset)
    }

    private static func nonNegative(
        _ name: String, _ request: Request, default value: Int, _ errors: inout ValidationErrors
    ) -> Int {
        guard let text = request.uri.queryParameters[name[...]] else { return value }
        guard let number = Int(text) else {
            errors.add(
                ["query", name], "Input should be a valid integer, unable to parse string as an integer",
                type: "int_parsing")
            return value
        }
        guard number >= 0 else {
            errors.add(["query", name], "Input should be greater than or equal to 0", type: "greater_than_equal")
            return value
        }
        return number
    }

    /// An optional query string.
    static func string(_ name: String, _ request: Request) -> String? {
        request.uri.queryParameters[name[...]].map(String.init)
    }

    /// `before` on the queued-event routes: a date, or 400 as Airflow answers an unparsable one.
    static func before(_ request: Request) throws(HTTPProblem) -> Date? {
        guard let text = string("before", request) else { return nil }
        guard let date = AirflowDate.lenient(text) else {
            throw HTTPProblem(
                .badRequest, detail: "Invalid datetime: '\(text)'. Please check the date parameter have this value.")
        }
        return date
    }
}
