import Eventide
import EventideTesting
import Foundation
import Synchronization
import Testing

/// The saga coordinator: steps forward, compensations in reverse, timeouts and compensation retries on an
/// injected clock, parking, and resuming an interrupted saga from the store.
@Suite("Saga coordinator", .timeLimit(.minutes(2)))
struct SagaCoordinatorTests {
    /// What the participants were asked to do, in order: "do b #1 trip-1/b/action", "undo b #2 …".
    final class Journal: Sendable {
        private let entries = Mutex<[String]>([])
        private let appended = Broadcast<Int>()
        func append(_ entry: String) {
            let count = entries.withLock { entries in
                entries.append(entry)
                return entries.count
            }
            appended.publish(count)
        }
        var all: [String] { entries.withLock { $0 } }
        /// The entries' first two words ("do b", "undo a").
        var calls: [String] { all.map { $0.split(separator: " ").prefix(2).joined(separator: " ") } }
        /// Waits until an entry starts with `prefix` (subscribes before looking: nothing is missed).
        func waitFor(_ prefix: String) async throws {
            let stream = appended.subscribe()
            if all.contains(where: { $0.hasPrefix(prefix) }) { return }
            try await WaitDeadline.seconds(20).enforce(waitingFor: "a journal entry '\(prefix)'") {
                for await _ in stream where self.all.contains(where: { $0.hasPrefix(prefix) }) { return }
                throw WaitError.ended(waitingFor: prefix)
            }
        }
    }

    struct Refused: Error, Equatable { let step: String }

    static let names = ["a", "b", "c", "d"]

    /// A four-step saga whose participants write to `journal`; `block` makes a phase of a step wait for an hour
    /// on the clock it is given (a hung participant, or a process about to be interrupted).
    static func saga(
        _ journal: Journal, failAt: String? = nil, failingCompensation: String? = nil,
        blockAction: String? = nil, blockCompensation: String? = nil, timeout: Duration? = nil,
        retry: RetryPolicy = RetryPolicy(retries: 2, delay: .seconds(1), exponentialBackoff: true)
    ) throws -> Saga {
        try Saga(
            "trip",
            steps: names.map { name in
                SagaStep(
                    name, timeout: timeout, compensationRetry: retry,
                    action: { context in
                        journal.append(
                            "do \(name) #\(context.attempt) \(context.idempotencyKey) "
                                + context.results.keys.sorted().joined(separator: ","))
                        if name == failAt { throw Refused(step: name) }
                        if name == blockAction { try await context.clock.sleep(for: .seconds(3600)) }
                        return ["ref": .string("\(name)-ref")]
                    },
                    compensation: { context in
                        journal.append(
                            "undo \(name) #\(context.attempt) \(context.idempotencyKey) "
                                + (context.results[name]?["ref"]?.stringValue ?? "-"))
                        if name == blockCompensation { try await context.clock.sleep(for: .seconds(3600)) }
                        if name == failingCompensation { throw Refused(step: name) }
                    })
            })
    }

    @Test("every step succeeds: the saga completes, each action ran once, later steps see earlier results")
    func completes() async throws {
        let journal = Journal()
        let coordinator = SagaCoordinator(database: try TemporaryDatabase.make("saga"))
        let instance = try await coordinator.run(try Self.saga(journal), id: "trip-1", input: ["who": "ada"])
        #expect(instance.status == .completed)
        #expect(journal.calls == ["do a", "do b", "do c", "do d"])
        #expect(journal.all.last == "do d #1 trip-1/d/action a,b,c")
        #expect(instance.steps.map(\.action) == Array(repeating: .succeeded, count: 4))
        #expect(instance.steps.map(\.actionAttempts) == [1, 1, 1, 1])
        #expect(instance.steps.map(\.compensation) == Array(repeating: .notNeeded, count: 4))
        #expect(instance.step("c")?.result?["ref"] == "c-ref")
        #expect(instance.input["who"] == "ada")
        let stored = try #require(try await coordinator.instance("trip-1"))
        #expect(stored == instance, "what run returns is what the store holds")
        let kinds: [SagaTransition.Kind] = try await coordinator.history("trip-1").map(\.kind)
        let perStep: [SagaTransition.Kind] = [.actionStarted, .actionSucceeded]
        var expected: [SagaTransition.Kind] = [.sagaStarted]
        for _ in Self.names { expected += perStep }
        expected.append(.sagaCompleted)
        #expect(kinds == expected)
    }

    @Test(
        "a failure at each step compensates the steps before it, in reverse order, and not the failed one",
        arguments: names)
    func failureAtEachStep(failAt: String) async throws {
        let journal = Journal()
        let coordinator = SagaCoordinator(database: try TemporaryDatabase.make("saga"))
        let instance = try await coordinator.run(try Self.saga(journal, failAt: failAt), id: "trip-1")
        let index = try #require(Self.names.firstIndex(of: failAt))
        let before = Array(Self.names[..<index])
        #expect(instance.status == .compensated)
        #expect(instance.failedStep == failAt)
        #expect(journal.calls == (before + [failAt]).map { "do \($0)" } + before.reversed().map { "undo \($0)" })
        // Each compensation saw its own step's result and its own idempotency key.
        for step in before {
            #expect(journal.all.contains("undo \(step) #1 trip-1/\(step)/compensation \(step)-ref"))
        }
        #expect(instance.step(failAt)?.action == .failed)
        #expect(instance.step(failAt)?.compensation == .notNeeded)
        #expect(instance.steps.filter { $0.compensation == .done }.map(\.name) == before)
        #expect(instance.compensated == before.reversed())
        let history = try await coordinator.history("trip-1")
        #expect(history.filter { $0.kind == .compensationSucceeded }.compactMap(\.step) == before.reversed())
        #expect(history.last?.kind == .sagaCompensated)
        #expect(history.contains { $0.kind == .sagaCompensating })
    }

    @Test("a step that times out on the injected clock fails the saga and is compensated too (it may have acted)")
    func stepTimeout() async throws {
        let journal = Journal()
        let clock = TestClock()
        let coordinator = SagaCoordinator(database: try TemporaryDatabase.make("saga"), clock: EventideClock(clock))
        let saga = try Self.saga(journal, blockAction: "c", timeout: .seconds(5))
        let running = Task { try await coordinator.run(saga, id: "trip-1") }
        try await journal.waitFor("do c")
        try await clock.waitForSleepers(2)  // the hung participant and the step's timeout
        await clock.advance(by: .milliseconds(4_999))
        #expect(try await coordinator.instance("trip-1")?.step("c")?.action == .running, "not before the timeout")
        await clock.advance(by: .milliseconds(1))
        let instance = try await running.value
        #expect(instance.status == .compensated)
        #expect(instance.step("c")?.action == .timedOut)
        #expect(instance.step("c")?.compensation == .done)
        #expect(journal.calls == ["do a", "do b", "do c", "undo c", "undo b", "undo a"])
        #expect(
            try await coordinator.history("trip-1").first { $0.kind == .actionTimedOut }?.date
                == EventideClock(clock).date(at: .init(offset: .seconds(5))))
    }

    @Test("a failing compensation is retried with exponential backoff on the clock, then parked with its reason")
    func compensationRetriedThenParked() async throws {
        let journal = Journal()
        let clock = TestClock()
        let coordinator = SagaCoordinator(database: try TemporaryDatabase.make("saga"), clock: EventideClock(clock))
        let saga = try Self.saga(journal, failAt: "d", failingCompensation: "b")
        let running = Task { try await coordinator.run(saga, id: "trip-1") }
        let undoB = { journal.calls.filter { $0 == "undo b" }.count }
        try await clock.waitForSleepers(1)
        #expect(undoB() == 1)
        await clock.advance(by: .milliseconds(999))
        #expect(undoB() == 1, "the first retry waits its full second")
        await clock.advance(by: .milliseconds(1))
        try await clock.waitForSleepers(1)
        #expect(undoB() == 2)
        await clock.advance(by: .milliseconds(1_999))
        #expect(undoB() == 2, "the second retry waits twice as long")
        await clock.advance(by: .milliseconds(1))
        let instance = try await running.value
        #expect(undoB() == 3)
        #expect(instance.status == .parked)
        let parked = try #require(instance.step("b"))
        #expect(parked.compensation == .parked && parked.compensationAttempts == 3)
        #expect(parked.compensationError != nil)
        // The other compensations still ran, in reverse order.
        #expect(journal.calls == ["do a", "do b", "do c", "do d", "undo c", "undo b", "undo b", "undo b", "undo a"])
        #expect(instance.step("a")?.compensation == .done && instance.step("c")?.compensation == .done)
        let history = try await coordinator.history("trip-1")
        #expect(history.filter { $0.kind == .compensationFailed }.map(\.attempt) == [1, 2])
        #expect(history.filter { $0.kind == .compensationParked }.map(\.attempt) == [3])
        #expect(history.last?.kind == .sagaParked)
        // Running it again does not retry a parked compensation: a person must act.
        #expect(try await coordinator.run(saga, id: "trip-1").status == .parked)
        #expect(undoB() == 3)

        let resolved = try await coordinator.resolveParked(sagaId: "trip-1", step: "b", note: "refunded by hand")
        #expect(resolved.status == .compensated)
        #expect(resolved.step("b")?.compensation == .resolved)
        #expect(
            try await coordinator.history("trip-1").suffix(2).map(\.kind) == [.compensationResolved, .sagaCompensated])
        await #expect(throws: SagaError.notParked(sagaId: "trip-1", step: "b")) {
            try await coordinator.resolveParked(sagaId: "trip-1", step: "b", note: "again")
        }
    }

    @Test("an interrupted action resumes: completed steps are not re-run, the interrupted one reruns with its key")
    func resumesInterruptedAction() async throws {
        let database = try TemporaryDatabase.make("saga")
        let first = Journal()
        let interrupted = Task {
            try await SagaCoordinator(database: database).run(try Self.saga(first, blockAction: "c"), id: "trip-1")
        }
        try await first.waitFor("do c")
        interrupted.cancel()
        await #expect(throws: CancellationError.self) { try await interrupted.value }
        let coordinator = SagaCoordinator(database: database)
        #expect(try await coordinator.instance("trip-1")?.step("c")?.action == .running)

        let second = Journal()
        let instance = try await coordinator.run(try Self.saga(second), id: "trip-1")
        #expect(instance.status == .completed)
        #expect(second.all == ["do c #2 trip-1/c/action a,b", "do d #1 trip-1/d/action a,b,c"])
        #expect(instance.steps.map(\.actionAttempts) == [1, 1, 2, 1])
        let history = try await coordinator.history("trip-1")
        #expect(history.filter { $0.kind == .sagaResumed }.count == 1)
    }

    @Test("an interrupted compensation resumes: done compensations are not re-run, each runs to done exactly once")
    func resumesInterruptedCompensation() async throws {
        let database = try TemporaryDatabase.make("saga")
        let first = Journal()
        let interrupted = Task {
            try await SagaCoordinator(database: database).run(
                try Self.saga(first, failAt: "d", blockCompensation: "b"), id: "trip-1")
        }
        try await first.waitFor("undo b")
        interrupted.cancel()
        await #expect(throws: CancellationError.self) { try await interrupted.value }
        #expect(first.calls == ["do a", "do b", "do c", "do d", "undo c", "undo b"])

        let second = Journal()
        let coordinator = SagaCoordinator(database: database)
        let instance = try await coordinator.run(try Self.saga(second, failAt: "d"), id: "trip-1")
        #expect(instance.status == .compensated)
        #expect(second.all == ["undo b #2 trip-1/b/compensation b-ref", "undo a #1 trip-1/a/compensation a-ref"])
        #expect(instance.steps.map(\.compensationAttempts) == [1, 2, 1, 0])
        let succeeded = try await coordinator.history("trip-1").filter { $0.kind == .compensationSucceeded }
        #expect(succeeded.compactMap(\.step) == ["c", "b", "a"], "each compensation recorded done exactly once")
    }

    @Test("a finished saga is returned as stored; a stored saga resumes only with its own definition")
    func finishedAndMismatched() async throws {
        let journal = Journal()
        let coordinator = SagaCoordinator(database: try TemporaryDatabase.make("saga"))
        _ = try await coordinator.run(try Self.saga(journal), id: "trip-1")
        let again = try await coordinator.run(try Self.saga(journal), id: "trip-1")
        #expect(again.status == .completed && journal.calls.count == 4, "nothing ran again")
        let other = try Saga(
            "trip", steps: [SagaStep("a", action: { _ in .null }, compensation: { _ in })])
        await #expect(
            throws: SagaError.definitionMismatch(sagaId: "trip-1", stored: Self.names, declared: ["a"])
        ) { try await coordinator.run(other, id: "trip-1") }
        #expect(throws: SagaError.self) { try Saga("empty", steps: []) }
        #expect(throws: SagaError.self) {
            try Saga(
                "twice",
                steps: ["x", "x"].map { SagaStep($0, action: { _ in .null }, compensation: { _ in }) })
        }
        #expect(try await coordinator.sagaIds() == ["trip-1"])
    }
}
