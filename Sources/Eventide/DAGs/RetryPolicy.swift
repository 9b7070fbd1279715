/// How often and how long to wait before trying a task (or restarting a watcher) again.
///
/// Delay for try `n` (the first retry is try 2): `delay * 2^(n-2)` capped at `maxDelay` with exponential
/// backoff, `delay` otherwise — Airflow's `retries`, `retry_delay`, `retry_exponential_backoff`, `max_retry_delay`.
/// As in Airflow, `maxDelay` bounds only the exponential growth (by default at a day, Airflow's ceiling): it never
/// shortens a constant delay, and the default never shortens a first retry's `delay`.
/// With `jitter` j (0…1), each wait is shortened by a random fraction of up to j, so that many watchers of one
/// broken source do not retry in lockstep.
///
/// ```swift
/// TaskDefinition("load", retry: RetryPolicy(retries: 3, delay: .seconds(5), exponentialBackoff: true)) { … }
/// ```
public struct RetryPolicy: Sendable, Hashable, Codable {
    public var retries: Int
    public var delay: Duration
    public var exponentialBackoff: Bool
    public var maxDelay: Duration
    public var jitter: Double

    public init(
        retries: Int, delay: Duration = .milliseconds(100), exponentialBackoff: Bool = false,
        maxDelay: Duration = .seconds(86_400), jitter: Double = 0
    ) {
        self.retries = max(0, retries)
        self.delay = delay
        self.exponentialBackoff = exponentialBackoff
        self.maxDelay = maxDelay
        self.jitter = min(max(jitter, 0), 1)
    }

    public static let none = RetryPolicy(retries: 0)

    /// A watcher's default: restarts for about five minutes (1 s, 2 s, 4 s … doubling to a 60 s cap, ten
    /// restarts, 303 s in all before jitter), so a source that is down for a deploy does not fail its watcher.
    public static let watcherRestart = RetryPolicy(
        retries: 10, delay: .seconds(1), exponentialBackoff: true,
        maxDelay: .seconds(60), jitter: 0.2)

    /// The wait before try `tryNumber` (2 = first retry), without jitter: the longest it can be.
    public func delay(beforeTry tryNumber: Int) -> Duration {
        guard exponentialBackoff else { return delay }
        guard tryNumber > 2 else { return min(delay, maxDelay) }
        let factor = 1 << min(tryNumber - 2, 30)
        return min(delay * factor, maxDelay)
    }

    /// The wait before try `tryNumber` with the jitter applied: between `(1 - jitter)` times and once
    /// `delay(beforeTry:)`.
    public func jitteredDelay(beforeTry tryNumber: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let longest = delay(beforeTry: tryNumber)
        guard jitter > 0 else { return longest }
        return longest * (1 - jitter * Double.random(in: 0..<1, using: &generator))
    }
}
