/// How often and how long to wait before trying a task (or restarting a watcher) again.
///
/// Delay for try `n` (the first retry is try 2): `delay * 2^(n-2)` capped at `maxDelay` with exponential
/// backoff, `delay` otherwise — Airflow's `retries`, `retry_delay`, `retry_exponential_backoff`, `max_retry_delay`.
public struct RetryPolicy: Sendable, Hashable, Codable {
    public var retries: Int
    public var delay: Duration
    public var exponentialBackoff: Bool
    public var maxDelay: Duration

    public init(retries: Int, delay: Duration = .milliseconds(100), exponentialBackoff: Bool = false,
                maxDelay: Duration = .seconds(60)) {
        self.retries = max(0, retries)
        self.delay = delay
        self.exponentialBackoff = exponentialBackoff
        self.maxDelay = maxDelay
    }

    public static let none = RetryPolicy(retries: 0)

    /// The wait before try `tryNumber` (2 = first retry).
    public func delay(beforeTry tryNumber: Int) -> Duration {
        guard exponentialBackoff, tryNumber > 2 else { return min(delay, maxDelay) }
        let factor = 1 << min(tryNumber - 2, 30)
        return min(delay * factor, maxDelay)
    }
}
