/// Why a wait of the runtime (`Triggerer.waitFor`, `Scheduler.waitForFinishedRuns`, `waitUntilIdle`, …) ended
/// without what it waited for: a broken mechanism makes the wait throw instead of hanging.
public enum WaitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The deadline passed first. Something that should have happened did not: look at what it names.
    case deadlineExceeded(waitingFor: String, after: Duration)
    /// The watcher waited on failed beyond its restart policy, so the condition can no longer become true.
    case watcherFailed(name: String, lastError: String?)
    /// The stream of updates the wait listened to ended (its component stopped) before the condition held.
    case ended(waitingFor: String)

    public var description: String {
        switch self {
        case .deadlineExceeded(let what, let after):
            "gave up waiting for \(what) after \(after); the mechanism that should produce it is stuck or broken "
                + "(or pass a longer WaitDeadline)."
        case .watcherFailed(let name, let lastError):
            "watcher '\(name)' failed beyond its restart policy\(lastError.map { " (last error: \($0))" } ?? ""); "
                + "fix its source, then start it again with Triggerer.start(watcher:)."
        case .ended(let what):
            "stopped waiting for \(what): the component publishing its updates stopped."
        }
    }
}
