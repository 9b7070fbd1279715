import Foundation

/// The runtime's one time model: a `Clock` that every part that waits or stamps time takes (the scheduler, the
/// triggerer, executor retries, batching windows, queue visibility timeouts, the dead-letter queue, timers).
///
/// Waiting goes to the clock underneath (`ContinuousClock` in `.system`, a test clock in tests); wall-clock
/// dates for stamps are `epoch` plus the time elapsed on that clock, so stamps and waits agree: advancing a test
/// clock by 30 seconds moves both the timeouts and the recorded dates by 30 seconds.
///
/// ```swift
/// let orchestrator = Orchestrator(database: database)                 // EventideClock.system
/// let clock = TestClock()                                              // EventideTesting
/// let queues = EmbeddedQueue(database: database, clock: EventideClock(clock))
/// await clock.advance(by: .seconds(30))                                // the visibility timeout runs out
/// ```
public struct EventideClock: Clock {
    /// A point on the clock: the time elapsed since the clock was made.
    public struct Instant: InstantProtocol, Codable {
        public var offset: Duration

        public init(offset: Duration) { self.offset = offset }

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    /// The wall-clock date of the clock's origin (its `Instant(offset: .zero)`).
    public let epoch: Date
    public let minimumResolution: Duration
    private let elapsed: @Sendable () -> Duration
    private let sleepUntil: @Sendable (Duration, Duration?) async throws -> Void

    /// A clock that waits on `base` and dates its instants from `epoch`.
    public init<Base: Clock>(_ base: Base, epoch: Date) where Base.Duration == Duration {
        self.init(base, origin: base.now, epoch: epoch)
    }

    private init<Base: Clock>(_ base: Base, origin: Base.Instant, epoch: Date) where Base.Duration == Duration {
        self.epoch = epoch
        minimumResolution = base.minimumResolution
        elapsed = { origin.duration(to: base.now) }
        sleepUntil = { offset, tolerance in
            try await base.sleep(until: origin.advanced(by: offset), tolerance: tolerance)
        }
    }

    /// Real time: the continuous clock, dated from the moment the process first used it. The default everywhere.
    /// Its epoch and its origin are read together (`readTogether`), so its dates and the wall clock's agree.
    public static let system: EventideClock = {
        let (origin, epoch) = readTogether(ContinuousClock())
        return EventideClock(ContinuousClock(), origin: origin, epoch: epoch)
    }()

    /// `base`'s instant and the wall-clock date at one moment: read again until the two reads of `base` around the
    /// date are within 50 µs, so a thread descheduled between them (a busy machine) cannot skew one against the other.
    public static func readTogether<Base: Clock>(_ base: Base) -> (Base.Instant, Date) where Base.Duration == Duration {
        while true {
            let before = base.now
            let date = Date()
            if before.duration(to: base.now) < .microseconds(50) { return (before, date) }
        }
    }

    public var now: Instant { Instant(offset: elapsed()) }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await sleepUntil(deadline.offset, tolerance)
    }

    /// The wall-clock date now, for stamping events, runs and dead letters.
    public var date: Date { date(at: now) }

    /// The wall-clock date of an instant of this clock.
    public func date(at instant: Instant) -> Date { epoch.addingTimeInterval(instant.offset.inSeconds) }
}
