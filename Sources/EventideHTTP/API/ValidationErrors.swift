import Eventide
import Hummingbird

/// Request validation problems, gathered the way FastAPI (pydantic) reports them: every problem of a request at
/// once, each as `{"loc": [...], "msg": ..., "type": ...}`, answered together as one 422.
struct ValidationErrors: Sendable {
    private(set) var issues: [JSONValue] = []

    var isEmpty: Bool { issues.isEmpty }

    mutating func add(_ loc: [String], _ msg: String, type: String) {
        issues.append(["loc": .array(loc.map(JSONValue.string)), "msg": .string(msg), "type": .string(type)])
    }

    /// The 422 answer listing every problem.
    var problem: HTTPProblem { HTTPProblem(.unprocessableContent, detail: .array(issues)) }

    func throwIfAny() throws(HTTPProblem) {
        if !issues.isEmpty { throw problem }
    }
}
