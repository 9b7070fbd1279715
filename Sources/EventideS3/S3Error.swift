import EventideAWS

/// What went wrong talking to S3 or reading its event notifications.
public enum S3Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// S3 answered with an error document (`NoSuchBucket`, `BucketAlreadyOwnedByYou`, …).
    case service(code: String, message: String, status: Int)
    case unreachable(endpoint: String, reason: String)
    case malformedResponse(operation: String, reason: String)
    /// A message on the notification queue that is not an S3 event notification.
    case notAnEventNotification(reason: String)
    /// The client's endpoint cannot be used (a port that does not fit).
    case invalidEndpoint(endpoint: String, reason: String)

    /// Whether the same request may succeed if sent again a little later: the server was unreachable (down,
    /// restarting, connection reset), failed (HTTP 5xx) or throttled the client.
    public var isTransient: Bool {
        switch self {
        case .unreachable: true
        case .service(let code, _, let status): AWSTransientFailure.isTransient(status: status, code: code)
        case .malformedResponse, .notAnEventNotification, .invalidEndpoint: false
        }
    }

    public var description: String {
        switch self {
        case .service(let code, let message, let status):
            return "S3 refused the request: \(code) (HTTP \(status)): \(message)"
        case .unreachable(let endpoint, let reason):
            return "S3 at \(endpoint) did not answer: \(reason). Is the server running (scripts/servers up)?"
        case .malformedResponse(let operation, let reason):
            return "S3 \(operation) returned an unexpected answer: \(reason)"
        case .notAnEventNotification(let reason):
            return "not an S3 event notification: \(reason). Only S3 should publish to a bucket's notification queue."
        case .invalidEndpoint(let endpoint, let reason):
            return "cannot send to S3 at \(endpoint): \(reason). Fix the endpoint (--sqs, endpoint_url)."
        }
    }
}
