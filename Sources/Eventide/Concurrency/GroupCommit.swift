/// Group commit: requests that arrive while a commit runs wait, and share the next commit.
///
/// The first caller commits at once (no added latency when nothing else is going on). Callers that arrive while a
/// commit runs queue up; when it finishes, the first of them leads the next commit, which takes every queued
/// request (up to `maxBatch`), so N concurrent writers need about N / batch commits — and fsyncs — instead of N.
/// Each caller gets its own outcome: `commit` returns one `Result` per request, in order, so one refused request
/// does not fail the others (the scheduler runs each in its own savepoint).
///
/// ```swift
/// let commits = GroupCommit<Request, Recorded>()
/// let recorded = try await commits.submit(request) { batch in await store.commit(batch) }
/// ```
actor GroupCommit<Request: Sendable, Output: Sendable> {
    typealias Outcome = Result<Output, any Error>

    private enum Turn {
        case done(Outcome)
        case lead
    }

    private struct Waiter {
        let request: Request
        let continuation: CheckedContinuation<Turn, Never>
    }

    let maxBatch: Int
    private var waiters: [Waiter] = []
    private var committing = false
    /// How many commits ran, and the largest batch one took (for tests and figures).
    private(set) var commits = 0
    private(set) var largestBatch = 0

    init(maxBatch: Int = 512) {
        precondition(maxBatch > 0, "a batch holds at least one request")
        self.maxBatch = maxBatch
    }

    /// Requests waiting for the next commit.
    var waiting: Int { waiters.count }

    /// Commits `request`, alone or with others that arrived meanwhile, and returns its outcome. `commit` must
    /// return exactly one outcome per request, in the order given.
    func submit(
        _ request: Request, commit: @Sendable ([Request]) async -> [Outcome]
    ) async throws -> Output {
        if committing {
            let turn = await withCheckedContinuation { waiters.append(Waiter(request: request, continuation: $0)) }
            if case .done(let outcome) = turn { return try outcome.get() }
            // .lead: the previous commit finished and handed this caller the next one.
        } else {
            committing = true
        }
        let followers = Array(waiters.prefix(maxBatch - 1))
        waiters.removeFirst(followers.count)
        let batch = [request] + followers.map(\.request)
        var outcomes = await commit(batch)
        if outcomes.count != batch.count {
            let error = GroupCommitError.outcomeCountMismatch(requests: batch.count, outcomes: outcomes.count)
            outcomes = batch.map { _ in .failure(error) }
        }
        commits += 1
        largestBatch = max(largestBatch, batch.count)
        for (follower, outcome) in zip(followers, outcomes.dropFirst()) {
            follower.continuation.resume(returning: .done(outcome))
        }
        if waiters.isEmpty {
            committing = false
        } else {
            waiters.removeFirst().continuation.resume(returning: .lead)
        }
        return try outcomes[0].get()
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
