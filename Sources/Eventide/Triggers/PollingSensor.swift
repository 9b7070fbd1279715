/// The classic sensor: wake up every `pokeInterval`, check, sleep again (Airflow's `poke` mode), until the
/// check passes or `timeout` elapses. Counts its wake-ups (pokes), the cost 117.1.4 compares with a watcher.
public struct PollingSensor<C: Clock>: Sendable where C.Duration == Duration {
    public let pokeInterval: Duration
    public let timeout: Duration
    public let clock: C
    public let pokes = Counter()

    public init(pokeInterval: Duration, timeout: Duration, clock: C) {
        self.pokeInterval = pokeInterval
        self.timeout = timeout
        self.clock = clock
    }

    /// Pokes until `check` returns a value; throws `TriggerError.timedOut` after `timeout`.
    public func wait<T: Sendable>(_ check: @Sendable () async throws -> T?) async throws -> T {
        let deadline = clock.now.advanced(by: timeout)
        while true {
            pokes.next()
            if let value = try await check() { return value }
            guard clock.now.advanced(by: pokeInterval) <= deadline else {
                throw TriggerError.timedOut(trigger: "PollingSensor(poke every \(pokeInterval))", after: timeout)
            }
            try await clock.sleep(for: pokeInterval)
        }
    }
}

extension PollingSensor where C == EventideClock {
    /// A sensor on the system clock (`init(pokeInterval:timeout:clock:)` takes another, e.g. a test clock).
    public init(pokeInterval: Duration, timeout: Duration) {
        self.init(pokeInterval: pokeInterval, timeout: timeout, clock: EventideClock.system)
    }
}
