/// How a sensor waits: its mode, how often it pokes, how long it may wait in all, and what a timeout does
/// (Airflow's `mode`, `poke_interval`, `timeout`, `exponential_backoff`, `max_wait`, `soft_fail`).
///
/// With `exponentialBackoff` the wait after poke `n` is `pokeInterval * 2^(n-1)`, capped at `maxWait` (Airflow
/// adds a hash-based spread to this; ours is deterministic). Every wait is also cut to the time left before
/// `timeout`, so the last poke happens at the deadline. `timeout` counts from the first poke, across
/// reschedules and deferrals.
///
/// ```swift
/// let settings = SensorSettings(mode: .reschedule, pokeInterval: .seconds(30), timeout: .seconds(3600),
///                               exponentialBackoff: true, maxWait: .seconds(300), softFail: true)
/// TaskDefinition.sensor("wait_for_file", FileSensor(path: "/data/in/*.csv"), settings: settings)
/// ```
public struct SensorSettings: Sendable, Hashable, Codable {
    public var mode: SensorMode
    public var pokeInterval: Duration
    public var timeout: Duration
    public var exponentialBackoff: Bool
    /// The longest wait between two pokes with `exponentialBackoff`; `nil`: no bound but the timeout.
    public var maxWait: Duration?
    /// A timeout (or an explicit `SensorFailed`) ends the task `skipped` instead of `failed`; other errors
    /// still fail it.
    public var softFail: Bool

    /// Airflow's defaults: poke mode, every 60 seconds, for up to 7 days.
    public init(
        mode: SensorMode = .poke, pokeInterval: Duration = .seconds(60), timeout: Duration = .seconds(7 * 24 * 3600),
        exponentialBackoff: Bool = false, maxWait: Duration? = nil, softFail: Bool = false
    ) {
        self.mode = mode
        self.pokeInterval = max(pokeInterval, .zero)
        self.timeout = max(timeout, .zero)
        self.exponentialBackoff = exponentialBackoff
        self.maxWait = maxWait.map { max($0, .zero) }
        self.softFail = softFail
    }

    /// The wait after poke `pokeNumber` (1 = after the first poke), before it is cut to the time left.
    public func interval(afterPoke pokeNumber: Int) -> Duration {
        guard exponentialBackoff else { return pokeInterval }
        let interval = pokeInterval * (1 << min(max(pokeNumber - 1, 0), 30))
        guard let maxWait else { return interval }
        return min(interval, maxWait)
    }
}
