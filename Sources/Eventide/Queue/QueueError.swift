/// What went wrong with an embedded queue.
public enum QueueError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownQueue(String)
    case queueExistsWithOtherSettings(String)
    case invalidSettings(queue: String, reason: String)

    public var description: String {
        switch self {
        case .unknownQueue(let name):
            return "queue '\(name)' does not exist; create it with EmbeddedQueue.createQueue(\"\(name)\")."
        case .queueExistsWithOtherSettings(let name):
            return "queue '\(name)' already exists with another visibility timeout or redrive policy; "
                + "use the existing settings or another name."
        case .invalidSettings(let queue, let reason):
            return "queue '\(queue)': \(reason)."
        }
    }
}
