/// Fires every `interval` on a clock, `count` times (or forever when `count` is nil). Airflow's
/// `TimeDeltaTrigger` is the one-shot case (`count: 1`).
public struct TimerTrigger<C: Clock>: Trigger where C.Duration == Duration {
    public let interval: Duration
    public let count: Int?
    public let clock: C

    public init(every interval: Duration, count: Int? = nil, clock: C) {
        self.interval = interval
        self.count = count
        self.clock = clock
    }

    public var description: String { "TimerTrigger(every: \(interval)\(count.map { ", count: \($0)" } ?? ""))" }

    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let state = Counter()
        return AsyncThrowingStream { [interval, count, clock] in
            let fired = state.next()
            if let count, fired > count { return nil }
            try await clock.sleep(for: interval)
            return TriggerEvent(payload: ["tick": .number(Double(fired))], messageId: nil)
        }
    }
}

extension TimerTrigger where C == EventideClock {
    /// A timer on the system clock (`init(every:count:clock:)` takes another, e.g. a test clock).
    public init(every interval: Duration, count: Int? = nil) {
        self.init(every: interval, count: count, clock: EventideClock.system)
    }
}
