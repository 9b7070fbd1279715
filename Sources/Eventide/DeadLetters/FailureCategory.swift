/// What kind of failure a message met, which decides what happens to it next.
///
/// - `transient`: the message is fine, the moment was not (a timeout, a throttled or unavailable dependency):
///   retried with exponential backoff and jitter, dead-lettered only when the retries are spent.
/// - `permanent`: the message cannot succeed as it is (a rule it breaks, a reference that does not exist):
///   dead-lettered at once, to be fixed (the code or the letter) and retried from the dead-letter queue.
/// - `poison`: the message cannot even be read (malformed, undecodable): dead-lettered at once, never retried
///   automatically, since every try fails the same way and blocks what comes after it.
public enum FailureCategory: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case transient
    case permanent
    case poison

    /// Whether a failure of this category is tried again before it is dead-lettered.
    public var isRetried: Bool { self == .transient }

    public var description: String { rawValue }
}
