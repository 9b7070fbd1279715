import Foundation
import Synchronization

/// A `Clock` that moves only when its owner says so: sleepers wake when `advance(by:)` passes their deadline, so
/// retries, batching windows, visibility timeouts and restart back-offs run without sleeping — in tests, and in
/// examples whose story depends on when a timer fires rather than on how fast the machine is.
///
/// ```swift
/// let clock = ManualClock()
/// let orchestrator = Orchestrator(database: database, clock: EventideClock(clock))
/// try await clock.waitForSleepers()          // the retry is waiting for its delay
/// await clock.advance(by: .seconds(300))     // …which has now passed
/// ```
public final class ManualClock: Clock, Sendable {
    public struct Instant: InstantProtocol {
        public var offset: Duration

        public init(offset: Duration) { self.offset = offset }

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        let deadline: Instant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var nextId = 0
        var sleepers: [Int: Sleeper] = [:]
        /// Sleeps cancelled before their continuation was stored.
        var cancelled: Set<Int> = []
    }

    private let state = Mutex(State())
    /// Published whenever the sleepers change; carries no count (see `waitForSleepers`).
    private let sleepersChanged = Broadcast<Void>()
    /// The wall-clock date of the clock's origin, for `EventideClock(_:)`.
    public let epoch: Date

    public init(epoch: Date = Date(timeIntervalSince1970: 1_800_000_000)) { self.epoch = epoch }

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }

    /// How many tasks are sleeping on this clock now.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.withLock { state in
            defer { state.nextId += 1 }
            return state.nextId
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate = state.withLock { state -> Result<Void, any Error>? in
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) } else { sleepersChanged.publish(()) }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                if let sleeper = state.sleepers.removeValue(forKey: id) { return sleeper }
                state.cancelled.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward, waking each sleeper whose deadline is passed in deadline order (time stands at each
    /// deadline while its sleeper wakes, so a sleeper that sleeps again within the step is woken again).
    public func advance(by duration: Duration) async {
        let target = now.advanced(by: duration)
        while true {
            let due = state.withLock { state -> Sleeper? in
                guard
                    let (id, next) = state.sleepers.min(by: {
                        ($0.value.deadline, $0.key) < ($1.value.deadline, $1.key)
                    }),
                    next.deadline <= target
                else {
                    state.now = max(state.now, target)
                    return nil
                }
                state.sleepers.removeValue(forKey: id)
                state.now = max(state.now, next.deadline)
                return next
            }
            guard let due else { break }
            due.continuation.resume()
            for _ in 0..<10 { await Task.yield() }  // let the woken task run up to its next suspension
        }
        sleepersChanged.publish(())
    }

    /// Waits until at least `count` tasks sleep on this clock (so that an `advance` reaches them), or throws
    /// `WaitError.deadlineExceeded`.
    public func waitForSleepers(_ count: Int = 1, deadline: WaitDeadline = .default) async throws {
        // Each change reads the count itself: sleepers falling asleep together publish from different threads,
        // so a count carried in the message could arrive out of order (4 before 3) and leave the stale one last.
        let changes = sleepersChanged.subscribe(bufferLimit: 1)
        if sleeperCount >= count { return }
        try await deadline.enforce(waitingFor: "\(count) task(s) sleeping on the manual clock") {
            for await _ in changes where self.sleeperCount >= count { return }
            throw WaitError.ended(waitingFor: "\(count) task(s) sleeping on the manual clock")
        }
    }
}

extension EventideClock {
    /// The runtime clock driven by a manual clock, dated from its epoch.
    public init(_ clock: ManualClock) {
        self.init(clock, epoch: clock.epoch)
    }
}
