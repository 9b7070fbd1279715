/// What went wrong with an embedded queue.
public enum QueueError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownQueue(String)
    /// Not 1 to 80 ASCII letters, digits, `-` or `_` (`QueueName`).
    case invalidQueueName(String)
    case queueExistsWithOtherSettings(String)
    case invalidSettings(queue: String, reason: String)

    public var description: String {
        switch self {
        case .unknownQueue(let name):
            return "queue '\(name)' does not exist; create it with EmbeddedQueue.createQueue(\"\(name)\")."
        case .invalidQueueName(let name):
            return "queue name '\(name)' is not valid: SQS takes 1 to \(QueueName.maxLength) ASCII letters, digits, "
                + "'-' or '_'."
        case .queueExistsWithOtherSettings(let name):
            return "queue '\(name)' already exists with another visibility timeout or redrive policy; "
                + "use the existing settings or another name."
        case .invalidSettings(let queue, let reason):
            return "queue '\(queue)': \(reason)."
        }
    }
}
