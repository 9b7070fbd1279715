import Synchronization

/// Group commit: requests that arrive while a commit runs wait, and share the next commit.
///
/// The first caller commits at once (no added latency when nothing else is going on). Callers that arrive while a
/// commit runs queue up; when it finishes, the first of them leads the next commit, which takes every queued
/// request (up to `maxBatch`), so N concurrent writers need about N / batch commits — and fsyncs — instead of N.
/// Each caller gets its own outcome: `commit` returns one `Result` per request, in order, so one refused request
/// does not fail the others (the scheduler runs each in its own savepoint).
///
/// A lock, not an actor: a waiting caller costs one suspension and one resumption straight back onto its own
/// executor, with no hop through a shared actor on the way in or out (under load, every hop through one actor
/// is a job that actor runs for every request). The lock is held only to take or hand over the queue.
///
/// Tried and dropped: committing the queued requests in a drain loop on a dispatch queue of its own, so that
/// under load one commit follows the other with no hand-over. The hand-over went (issue 10's benchmark, 64
/// connections: 200–262 µs → 35–47 µs a commit), but the flush ran longer on the extra thread and a committed
/// event cost more CPU (alternating runs on one machine: 14,000–15,000 events/s against 15,000–21,000 with the
/// hand-over; 8 connections no better).
///
/// ```swift
/// let commits = GroupCommit<Request, Recorded>()
/// let recorded = try await commits.submit(request) { batch in await store.commit(batch) }
/// ```
final class GroupCommit<Request: Sendable, Output: Sendable>: Sendable {
    typealias Outcome = Result<Output, any Error>

    private enum Turn {
        case done(Outcome)
        case lead
    }

    private struct Waiter {
        let request: Request
        let continuation: CheckedContinuation<Turn, Never>
    }

    private struct State {
        var waiters: [Waiter] = []
        var committing = false
        var statistics = GroupCommitStatistics()
        var handedOverAt: ContinuousClock.Instant?
    }

    let maxBatch: Int
    private let state = Mutex(State())

    init(maxBatch: Int = 512) {
        precondition(maxBatch > 0, "a batch holds at least one request")
        self.maxBatch = maxBatch
    }

    /// Requests waiting for the next commit.
    var waiting: Int { state.withLock { $0.waiters.count } }
    /// How many commits ran, their requests and largest batch, and what they took (for tests and figures).
    var statistics: GroupCommitStatistics { state.withLock { $0.statistics } }

    /// Commits `request`, alone or with others that arrived meanwhile, and returns its outcome. `commit` must
    /// return exactly one outcome per request, in the order given. Runs on the caller's executor.
    nonisolated(nonsending) func submit(
        _ request: Request, commit: @Sendable ([Request]) async -> [Outcome]
    ) async throws -> Output {
        let leads = state.withLock { state in
            if state.committing { return false }
            state.committing = true
            return true
        }
        if !leads {
            let turn = await withCheckedContinuation { continuation in
                // The commit may have ended between the check above and here: then this caller leads.
                let leadsNow = state.withLock { state in
                    if state.committing {
                        state.waiters.append(Waiter(request: request, continuation: continuation))
                        return false
                    }
                    state.committing = true
                    return true
                }
                if leadsNow { continuation.resume(returning: .lead) }
            }
            if case .done(let outcome) = turn { return try outcome.get() }
            // .lead: the previous commit finished and handed this caller the next one.
        }
        let start = ContinuousClock.now
        let followers = state.withLock { state in
            let followers = Array(state.waiters.prefix(maxBatch - 1))
            state.waiters.removeFirst(followers.count)
            if let handedOverAt = state.handedOverAt {
                state.statistics.handingOver += start - handedOverAt
                state.handedOverAt = nil
            }
            return followers
        }
        let batch = [request] + followers.map(\.request)
        var outcomes = await commit(batch)
        let end = ContinuousClock.now
        if outcomes.count != batch.count {
            let error = GroupCommitError.outcomeCountMismatch(requests: batch.count, outcomes: outcomes.count)
            outcomes = batch.map { _ in .failure(error) }
        }
        let next = state.withLock { state -> Waiter? in
            state.statistics.count(batch: batch.count, committing: end - start)
            if state.waiters.isEmpty {
                state.committing = false
                return nil
            }
            state.handedOverAt = end
            return state.waiters.removeFirst()
        }
        for (follower, outcome) in zip(followers, outcomes.dropFirst()) {
            follower.continuation.resume(returning: .done(outcome))
        }
        next?.continuation.resume(returning: .lead)
        return try outcomes[0].get()
    }
}

/// What a `GroupCommit`'s commits took so far. Subtract two readings for what happened between them.
public struct GroupCommitStatistics: Sendable, Equatable {
    public var commits = 0
    /// Requests committed, over all commits.
    public var requests = 0
    public var largestBatch = 0
    /// Wall time inside the commit function, over all commits.
    public var committing: Duration = .zero
    /// Wall time from a commit's end, with callers waiting, to the start of the next: the waiting caller that
    /// leads it is resumed and has to be scheduled first.
    public var handingOver: Duration = .zero

    mutating func count(batch: Int, committing time: Duration) {
        commits += 1
        requests += batch
        largestBatch = max(largestBatch, batch)
        committing += time
    }

    public static func - (later: Self, earlier: Self) -> Self {
        var difference = later
        difference.commits -= earlier.commits
        difference.requests -= earlier.requests
        difference.committing -= earlier.committing
        difference.handingOver -= earlier.handingOver
        return difference
    }
}

/// A commit function broke `GroupCommit`'s contract.
enum GroupCommitError: Error, Equatable, CustomStringConvertible {
    case outcomeCountMismatch(requests: Int, outcomes: Int)

    var description: String {
        switch self {
        case .outcomeCountMismatch(let requests, let outcomes):
            "a group commit of \(requests) request(s) returned \(outcomes) outcome(s); it must return one per request"
        }
    }
}
