/// A ``WatcherPriority`` that cannot arbitrate.
public enum WatcherPriorityError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): "invalid watcher priority: \(reason)"
        }
    }
}
