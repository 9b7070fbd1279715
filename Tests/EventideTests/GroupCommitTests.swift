import Synchronization
import Testing

@testable import Eventide

@Suite("Group commit: concurrent requests share commits, each gets its own outcome", .timeLimit(.minutes(1)))
struct GroupCommitTests {
    enum Refused: Error, Equatable { case odd(Int) }

    /// A commit that waits until `open` before finishing, so that requests pile up behind it.
    final class Gate: Sendable {
        let batches = Mutex<[[Int]]>([])
        let stream: AsyncStream<Void>
        let continuation: AsyncStream<Void>.Continuation
        init() { (stream, continuation) = AsyncStream.makeStream() }

        func commit(_ batch: [Int]) async -> [Result<Int, any Error>] {
            let first = batches.withLock {
                $0.append(batch); return $0.count == 1
            }
            if first { for await _ in stream { break } }
            return batch.map { $0.isMultiple(of: 2) ? .success($0 * 10) : .failure(Refused.odd($0)) }
        }
    }

    @Test func aLoneRequestCommitsAtOnce() async throws {
        let commits = GroupCommit<Int, Int>()
        let output = try await commits.submit(4) { batch in batch.map { .success($0 + 1) } }
        #expect(output == 5)
        #expect(commits.statistics.commits == 1)
    }

    @Test func requestsArrivingDuringACommitShareTheNextOneAndKeepTheirOwnOutcomes() async throws {
        let commits = GroupCommit<Int, Int>()
        let gate = Gate()
        try await withThrowingTaskGroup(of: (Int, Result<Int, Refused>).self) { group in
            group.addTask { (0, .success(try await commits.submit(0, commit: gate.commit))) }
            while gate.batches.withLock({ $0.isEmpty }) { await Task.yield() }  // the first commit is running
            for n in 1...20 {
                group.addTask {
                    do { return (n, .success(try await commits.submit(n, commit: gate.commit))) } catch let error
                        as Refused
                    {
                        return (n, .failure(error))
                    }
                }
            }
            while commits.waiting < 20 { await Task.yield() }
            gate.continuation.yield()  // let the first commit finish
            var outcomes: [Int: Result<Int, Refused>] = [:]
            for try await (n, outcome) in group { outcomes[n] = outcome }
            for n in 0...20 {
                #expect(outcomes[n] == (n.isMultiple(of: 2) ? .success(n * 10) : .failure(.odd(n))))
            }
        }
        #expect(gate.batches.withLock { $0 }.map(\.count) == [1, 20])
        #expect(commits.statistics.commits == 2)
        #expect(commits.statistics.largestBatch == 20)
    }

    @Test func statisticsCountRequestsAndTimeTheCommitsAndTheHandOver() async throws {
        let commits = GroupCommit<Int, Int>()
        let gate = Gate()
        let before = commits.statistics
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { _ = try await commits.submit(0, commit: gate.commit) }
            while gate.batches.withLock({ $0.isEmpty }) { await Task.yield() }
            for n in 1...6 { group.addTask { _ = try? await commits.submit(n * 2, commit: gate.commit) } }
            while commits.waiting < 6 { await Task.yield() }
            try await Task.sleep(for: .milliseconds(20))  // the first commit is held open at least this long
            gate.continuation.yield()
            try await group.waitForAll()
        }
        let measured = commits.statistics - before
        #expect(measured.commits == 2 && measured.requests == 7 && measured.largestBatch == 6)
        #expect(measured.committing >= .milliseconds(20), "the held commit's time is counted")
        #expect(measured.handingOver > .zero, "one commit was handed over to a waiting caller")
        let alone = GroupCommit<Int, Int>()
        _ = try await alone.submit(1) { batch in batch.map { .success($0) } }
        #expect(alone.statistics.handingOver == .zero, "nobody waited: nothing was handed over")
    }

    @Test func aBatchIsBoundedAndTheRestLeadTheNextCommit() async throws {
        let commits = GroupCommit<Int, Int>(maxBatch: 8)
        let gate = Gate()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { _ = try await commits.submit(0, commit: gate.commit) }
            while gate.batches.withLock({ $0.isEmpty }) { await Task.yield() }
            for n in 1...20 {
                group.addTask { _ = try? await commits.submit(n * 2, commit: gate.commit) }
            }
            while commits.waiting < 20 { await Task.yield() }
            gate.continuation.yield()
            try await group.waitForAll()
        }
        #expect(gate.batches.withLock { $0 }.map(\.count) == [1, 8, 8, 4])
        #expect(Set(gate.batches.withLock { $0 }.flatMap { $0 }).count == 21)
    }

    @Test func aCommitReturningTheWrongNumberOfOutcomesFailsEveryRequestInIt() async {
        let commits = GroupCommit<Int, Int>()
        await #expect(throws: GroupCommitError.outcomeCountMismatch(requests: 1, outcomes: 0)) {
            try await commits.submit(1) { _ in [] }
        }
    }
}
