/// What went wrong talking to Google Cloud Storage's JSON API (GCS or fake-gcs-server).
public enum GCSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// GCS answered with an error (`{"error": {"code", "message"}}`): 404 not found, 409 conflict, …
    case service(status: Int, message: String)
    case unreachable(endpoint: String, reason: String)
    case malformedResponse(operation: String, reason: String)
    /// The client's endpoint cannot be used (not http(s), no host, a port that does not fit).
    case invalidEndpoint(endpoint: String, reason: String)

    /// Whether the same request may succeed a little later: the server was unreachable, failed (5xx) or
    /// throttled the client (429).
    public var isTransient: Bool {
        switch self {
        case .unreachable: true
        case .service(let status, _): status == 429 || status >= 500
        case .malformedResponse, .invalidEndpoint: false
        }
    }

    public var description: String {
        switch self {
        case .service(let status, let message):
            "GCS refused the request (HTTP \(status)): \(message)"
        case .unreachable(let endpoint, let reason):
            "GCS at \(endpoint) did not answer: \(reason). Is the server running (scripts/servers up gcs)?"
        case .malformedResponse(let operation, let reason):
            "GCS \(operation) returned an unexpected answer: \(reason)"
        case .invalidEndpoint(let endpoint, let reason):
            "cannot send to GCS at \(endpoint): \(reason). Give an endpoint such as http://127.0.0.1:4443 (--gcs)."
        }
    }
}
