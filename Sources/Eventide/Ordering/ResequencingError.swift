/// Why a resequencer refused an event or a setting.
public enum ResequencingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Sequence numbers start at 1.
    case invalidSequence(key: String, sequence: Int)
    case invalidPolicy(reason: String)

    public var description: String {
        switch self {
        case .invalidSequence(let key, let sequence):
            "event \(sequence) of key '\(key)' has an invalid sequence number: numbers start at 1 per key "
                + "(stamp them with SequenceNumbers on the producer)"
        case .invalidPolicy(let reason): "invalid resequencing policy: \(reason)"
        }
    }
}
