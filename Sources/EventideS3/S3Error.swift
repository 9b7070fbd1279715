/// What went wrong talking to S3 or reading its event notifications.
public enum S3Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// S3 answered with an error document (`NoSuchBucket`, `BucketAlreadyOwnedByYou`, …).
    case service(code: String, message: String, status: Int)
    case unreachable(endpoint: String, reason: String)
    case malformedResponse(operation: String, reason: String)
    /// A message on the notification queue that is not an S3 event notification.
    case notAnEventNotification(reason: String)

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
        }
    }
}
