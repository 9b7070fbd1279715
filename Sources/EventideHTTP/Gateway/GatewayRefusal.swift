import Hummingbird

/// Why the gateway refused a request: nothing of it was recorded. Each case has its HTTP status and is answered
/// in Airflow's error shape (`{"detail": …}`).
public enum GatewayRefusal: Error, Sendable, Hashable, CustomStringConvertible, HTTPResponseError {
    /// No sender of that name is configured (404).
    case unknownSender(String, known: [String])
    /// The body is not JSON (400).
    case malformedJSON(reason: String)
    /// The sender's header rule names a header the request lacks (400).
    case missingIdempotencyKey(header: String)
    /// The body is JSON but not an event of the sender's format (422).
    case invalidEvent(EventFormatError)
    /// The idempotency key was received before with different content (422): the first delivery stands.
    case keyReused(key: String)

    public var status: HTTPResponse.Status {
        switch self {
        case .unknownSender: .notFound
        case .malformedJSON, .missingIdempotencyKey: .badRequest
        case .invalidEvent, .keyReused: .unprocessableContent
        }
    }

    /// The answer's body, as FastAPI would write it.
    public var problem: HTTPProblem {
        switch self {
        case .invalidEvent(let error):
            HTTPProblem.validation(loc: error.location, msg: error.message, type: error.type)
        case .keyReused:
            HTTPProblem.validation(loc: ["body"], msg: description, type: "idempotency_key_reused")
        default: HTTPProblem(status, detail: description)
        }
    }

    public var description: String {
        switch self {
        case .unknownSender(let name, let known):
            "sender '\(name)' is not configured on this gateway; known senders: \(known.joined(separator: ", "))"
        case .malformedJSON(let reason):
            "the body is not JSON (\(reason)); send the event as a JSON document"
        case .missingIdempotencyKey(let header):
            "the \(header) header is required for this sender; send a unique value per event and the same value on retries"
        case .invalidEvent(let error): error.description
        case .keyReused(let key):
            "idempotency key '\(key)' was already used for an event with different content; the first one stands: "
                + "use a new key for a new event"
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try problem.response(from: request, context: context)
    }
}
