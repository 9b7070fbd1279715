/// Why an operation on the dead-letter queue was refused.
public enum DeadLetterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No dead letter has this id.
    case notFound(id: Int64)
    /// The letter was redriven or discarded already: it can no longer be edited, redriven or discarded.
    case notWaiting(id: Int64, state: DeadLetter.State)

    public var description: String {
        switch self {
        case .notFound(let id):
            "No dead letter has id \(id): list the waiting letters (eventide-dlq list) to find its id."
        case .notWaiting(let id, let state):
            "Dead letter \(id) is \(state.rawValue), not waiting: only a waiting letter can be edited, redriven or "
                + "discarded (eventide-dlq list --all shows every letter with its state)."
        }
    }
}
