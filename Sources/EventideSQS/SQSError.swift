import EventideAWS

/// What went wrong talking to SQS.
public enum SQSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// SQS answered with an error, e.g. `QueueDoesNotExist` (the `__type` suffix) and its message.
    case service(code: String, message: String, status: Int)
    /// Nothing answered at the endpoint (not running, wrong port, network).
    case unreachable(endpoint: String, reason: String)
    /// The answer was not the JSON the operation returns.
    case malformedResponse(operation: String, reason: String)
    /// The client's endpoint cannot be used (a port that does not fit).
    case invalidEndpoint(endpoint: String, reason: String)

    /// Whether the same request may succeed if sent again a little later: the server was unreachable (down,
    /// restarting, connection reset), failed (HTTP 5xx) or throttled the client.
    public var isTransient: Bool {
        switch self {
        case .unreachable: true
        case .service(let code, _, let status): AWSTransientFailure.isTransient(status: status, code: code)
        case .malformedResponse, .invalidEndpoint: false
        }
    }

    public var description: String {
        switch self {
        case .service(let code, let message, let status):
            return "SQS refused the request: \(code) (HTTP \(status)): \(message)"
        case .unreachable(let endpoint, let reason):
            return "SQS at \(endpoint) did not answer: \(reason). Is the server running (scripts/servers up)?"
        case .malformedResponse(let operation, let reason):
            return "SQS \(operation) returned an unexpected answer: \(reason)"
        case .invalidEndpoint(let endpoint, let reason):
            return "cannot send to SQS at \(endpoint): \(reason). Fix the endpoint (--sqs, endpoint_url)."
        }
    }
}
