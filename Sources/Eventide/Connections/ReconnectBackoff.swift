/// How a client retries a request that failed for a transient reason (the server refused or reset the
/// connection, answered 5xx, or throttled): exponential backoff with jitter, bounded by a deadline.
///
/// The delay before retry `n` is drawn from `[cap/2, cap]` with `cap = min(maximumDelay, initialDelay · 2^(n-1))`
/// ("equal jitter": clients that failed together do not retry together, and each still backs off). Once the
/// next delay would end past `deadline` (measured from the first attempt on the given clock), the last error is
/// thrown, so a caller waits at most about `deadline` before it hears of an outage.
///
/// A server a client has never reached is more likely a wrong address than an outage: until the first success,
/// clients use `untilFirstContact` (`firstContactDeadline`, a few seconds), so that a mistake is reported early.
/// A client that passes its `FirstContact` to `run` gets the deadline that applies at each retry: a connection
/// made and then lost within one `run` is an outage, ridden out until `deadline`.
public struct ReconnectBackoff: Sendable, Hashable {
    public var initialDelay: Duration
    public var maximumDelay: Duration
    /// How long a request keeps retrying before the last error is thrown; `.zero` tries once.
    public var deadline: Duration
    /// The deadline while the server has never answered.
    public var firstContactDeadline: Duration

    public init(
        initialDelay: Duration = .milliseconds(100), maximumDelay: Duration = .seconds(2),
        deadline: Duration = .seconds(30), firstContactDeadline: Duration = .seconds(3)
    ) {
        self.initialDelay = initialDelay
        self.maximumDelay = max(maximumDelay, initialDelay)
        self.deadline = deadline
        self.firstContactDeadline = firstContactDeadline
    }

    /// One attempt, no retry.
    public static let none = ReconnectBackoff(deadline: .zero)

    /// This backoff with the shorter of its deadlines, for a server not reached yet.
    public var untilFirstContact: ReconnectBackoff {
        var copy = self
        copy.deadline = min(deadline, firstContactDeadline)
        return copy
    }

    /// The deadline that applies now: the first-contact one while `contact` says the server was never reached.
    func deadline(after contact: FirstContact?) -> Duration {
        contact.map { $0.hasHappened ? deadline : untilFirstContact.deadline } ?? deadline
    }

    /// The delay before retry `retry` (1 for the first retry), jittered by `generator`.
    public func delay(beforeRetry retry: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        var cap = initialDelay
        for _ in 1..<max(retry, 1) where cap < maximumDelay { cap *= 2 }
        cap = min(cap, maximumDelay)
        let nanoseconds = max(cap.wholeNanoseconds, 2)
        return .nanoseconds(Int64.random(in: (nanoseconds / 2)...nanoseconds, using: &generator))
    }

    /// Runs `operation` until it succeeds, throws an error `isTransient` refuses, or the deadline passes (then the
    /// last error is thrown). `onRetry` hears each transient error with the delay before the next attempt.
    /// With `contact`, the deadline at each retry is `firstContactDeadline`'s until the server has been reached
    /// and `deadline`'s from then on, also when the contact happened during this run.
    public func run<Value>(
        clock: any Clock<Duration> = ContinuousClock(),
        contact: FirstContact? = nil,
        isolation: isolated (any Actor)? = #isolation,
        isTransient: (any Error) -> Bool,
        onRetry: (any Error, Duration) -> Void = { _, _ in },
        _ operation: () async throws -> Value
    ) async throws -> Value {
        let elapsed = Self.stopwatch(clock)
        var generator = SystemRandomNumberGenerator()
        var retry = 0
        while true {
            do {
                return try await operation()
            } catch {
                guard isTransient(error), !Task.isCancelled else { throw error }
                retry += 1
                let delay = self.delay(beforeRetry: retry, using: &generator)
                guard elapsed() + delay <= deadline(after: contact) else { throw error }
                onRetry(error, delay)
                try await clock.sleep(for: delay)
            }
        }
    }
}

extension ReconnectBackoff {
    /// The time passed on `clock` since this call.
    static func stopwatch<C: Clock<Duration>>(_ clock: C) -> () -> Duration {
        let start = clock.now
        return { start.duration(to: clock.now) }
    }
}

extension Duration {
    /// The whole nanoseconds of this duration (saturating at `Int64.max`).
    package var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
