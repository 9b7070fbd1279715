/// Why a webhook receiver cannot be set up as configured (found at start-up, before any delivery).
public enum WebhookConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The environment variable that should hold a source's secrets is unset or empty.
    case missingSecret(variable: String)
    /// A source was configured without any secret: nothing could be verified.
    case noSecrets(source: String)
    /// A source name must be a path segment of letters, digits, `_`, `.` and `-`.
    case invalidSourceName(String)
    /// Two sources share a name (one path, two configurations).
    case duplicateSource(String)
    /// A header named for a delivery attribute is not a valid HTTP field name.
    case invalidHeaderName(String)
    /// The body limit must be at least one byte.
    case invalidBodyLimit(source: String, limit: Int)
    /// Secrets were rotated for a source the receiver does not have.
    case unknownSource(String)

    public var description: String {
        switch self {
        case .missingSecret(let variable):
            "the environment variable \(variable) holds no webhook secret; set it to the secret the sender signs "
                + "with (several separated by commas while rotating, the new one first)"
        case .noSecrets(let source):
            "webhook source '\(source)' has no secret: give it at least one, or it could verify nothing"
        case .invalidSourceName(let name):
            "webhook source name \(name.debugDescription) is not a path segment; use letters, digits, '_', '.', '-'"
        case .duplicateSource(let name):
            "two webhook sources are named '\(name)'; each source needs its own name (its path /webhooks/<name>)"
        case .invalidHeaderName(let name):
            "\(name.debugDescription) is not a valid HTTP header name; name the header the sender sets"
        case .invalidBodyLimit(let source, let limit):
            "webhook source '\(source)' has a body limit of \(limit) bytes; give it at least 1"
        case .unknownSource(let name):
            "no webhook source is named '\(name)'; rotate the secrets of a configured source"
        }
    }
}
