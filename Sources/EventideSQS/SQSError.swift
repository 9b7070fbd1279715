/// What went wrong talking to SQS.
public enum SQSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// SQS answered with an error, e.g. `QueueDoesNotExist` (the `__type` suffix) and its message.
    case service(code: String, message: String, status: Int)
    /// Nothing answered at the endpoint (not running, wrong port, network).
    case unreachable(endpoint: String, reason: String)
    /// The answer was not the JSON the operation returns.
    case malformedResponse(operation: String, reason: String)

    public var description: String {
        switch self {
        case .service(let code, let message, let status):
            return "SQS refused the request: \(code) (HTTP \(status)): \(message)"
        case .unreachable(let endpoint, let reason):
            return "SQS at \(endpoint) did not answer: \(reason). Is the server running (scripts/servers up)?"
        case .malformedResponse(let operation, let reason):
            return "SQS \(operation) returned an unexpected answer: \(reason)"
        }
    }
}
