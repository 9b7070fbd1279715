import Synchronization

/// The executor's worker slots (Airflow's `parallelism`): a bounded pool that every running task instance holds
/// while it runs. A task that finds none free waits, first come first served. Sensors show what their mode
/// costs here: in poke mode a sensor holds its slot while it sleeps; rescheduled and deferred sensors give it
/// back between pokes.
///
/// ```swift
/// let slots = WorkerSlots(capacity: 4, clock: clock)
/// let lease = try await slots.acquire(for: "report")   // waits while all 4 are held
/// defer { slots.release(lease) }
/// print(slots.snapshot().peakInUse)
/// ```
public final class WorkerSlots: Sendable {
    /// One held slot; give it back with `release(_:)`.
    public struct Lease: Sendable, Hashable {
        let id: UInt64
        public let owner: String
        let acquiredAt: EventideClock.Instant
    }

    public let capacity: Int
    public let clock: EventideClock
    private let state: Mutex<State>

    private struct Waiter {
        let id: UInt64
        let owner: String
        let since: EventideClock.Instant
        let continuation: CheckedContinuation<Lease, any Error>
    }

    private struct State {
        var nextId: UInt64 = 0
        var held: Set<UInt64> = []
        var waiters: [Waiter] = []
        var cancelled: Set<UInt64> = []
        var snapshot: WorkerSlotsSnapshot
    }

    public init(capacity: Int, clock: EventideClock = .system) {
        self.capacity = max(1, capacity)
        self.clock = clock
        state = Mutex(State(snapshot: WorkerSlotsSnapshot(capacity: max(1, capacity))))
    }

    /// A slot now, or `nil` when all are held (or others wait before this caller).
    public func tryAcquire(for owner: String) -> Lease? {
        let now = clock.now
        return state.withLock { state in
            guard state.waiters.isEmpty, state.held.count < capacity else { return nil }
            return Self.grant(&state, owner: owner, at: now, waited: nil)
        }
    }

    /// A slot, waiting in line for one when all are held. Throws `CancellationError` if cancelled while waiting.
    public func acquire(for owner: String) async throws -> Lease {
        if let lease = tryAcquire(for: owner) { return lease }
        let id = state.withLock { Self.nextId(&$0) }
        let since = clock.now
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let resume: Result<Lease, any Error>? = state.withLock { state in
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if state.waiters.isEmpty, state.held.count < capacity {
                        return .success(Self.grant(&state, owner: owner, at: since, waited: .zero, id: id))
                    }
                    state.waiters.append(Waiter(id: id, owner: owner, since: since, continuation: continuation))
                    state.snapshot.waiting = state.waiters.count
                    return nil
                }
                if let resume { continuation.resume(with: resume) }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
                    state.cancelled.insert(id)  // not queued yet: refused when it queues
                    return nil
                }
                let waiter = state.waiters.remove(at: index)
                state.snapshot.waiting = state.waiters.count
                return waiter
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Gives a slot back; the longest waiter, if any, gets it.
    public func release(_ lease: Lease) {
        let now = clock.now
        let handOver: (CheckedContinuation<Lease, any Error>, Lease)? = state.withLock { state in
            guard state.held.remove(lease.id) != nil else { return nil }
            state.snapshot.inUse = state.held.count
            state.snapshot.heldTime[lease.owner, default: .zero] += lease.acquiredAt.duration(to: now)
            guard !state.waiters.isEmpty else { return nil }
            let waiter = state.waiters.removeFirst()
            state.snapshot.waiting = state.waiters.count
            let granted = Self.grant(
                &state, owner: waiter.owner, at: now, waited: waiter.since.duration(to: now), id: waiter.id)
            return (waiter.continuation, granted)
        }
        if let (continuation, granted) = handOver { continuation.resume(returning: granted) }
    }

    /// The slots now and what they have done so far.
    public func snapshot() -> WorkerSlotsSnapshot { state.withLock { $0.snapshot } }

    private static func nextId(_ state: inout State) -> UInt64 {
        state.nextId += 1
        return state.nextId
    }

    private static func grant(
        _ state: inout State, owner: String, at now: EventideClock.Instant, waited: Duration?, id: UInt64? = nil
    ) -> Lease {
        let id = id ?? Self.nextId(&state)
        state.held.insert(id)
        state.snapshot.inUse = state.held.count
        state.snapshot.peakInUse = max(state.snapshot.peakInUse, state.held.count)
        state.snapshot.acquisitions += 1
        state.snapshot.acquisitionsByOwner[owner, default: 0] += 1
        if let waited {
            state.snapshot.waits += 1
            state.snapshot.totalWait += waited
            state.snapshot.longestWait = max(state.snapshot.longestWait, waited)
        }
        return Lease(id: id, owner: owner, acquiredAt: now)
    }
}
