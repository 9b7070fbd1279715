import Foundation

/// What a watcher is doing, for health checks and debugging.
public struct WatcherStatus: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Codable {
        /// Registered with the triggerer, not started yet (the triggerer is not running).
        case registered
        /// Its trigger is being opened.
        case starting
        /// Waiting for, or handling, events.
        case running
        /// Its trigger failed; waiting `restart` delay before trying again.
        case restarting
        /// Its trigger failed more often than `restart.retries` allows. `lastError` says why.
        case failed
        /// Stopped on request or because the triggerer stopped.
        case stopped
        /// Not running because no unpaused DAG schedules on its asset (`WatcherActivation.whileConsumed`); it
        /// starts when one does.
        case idle
    }

    public let name: String
    public let asset: AssetKey
    public let trigger: String
    public let connectionId: String?
    public internal(set) var state: State = .registered
    public internal(set) var eventsSeen = 0
    public internal(set) var eventsRecorded = 0
    public internal(set) var duplicates = 0
    public internal(set) var filtered = 0
    /// Events its `extract` refused, kept in the dead-letter queue with the reason.
    public internal(set) var deadLettered = 0
    public internal(set) var restarts = 0
    public internal(set) var lastEventAt: Date?
    /// For the last event recorded: from when its source says it happened (or the trigger fired it) to the commit
    /// of its asset event (also the `eventide_watcher_lag_seconds` histogram). `nil` until one is recorded.
    public internal(set) var lastLag: Duration?
    public internal(set) var lastError: String?
    /// The states it went through, oldest first (the last `historyLimit`), for debugging.
    public internal(set) var history: [State] = [.registered]

    static let historyLimit = 32

    /// Healthy when running (or starting) and the last attempt did not end in an error.
    public var isHealthy: Bool { state == .running || state == .starting }
}
