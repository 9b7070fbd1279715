import Eventide
import EventideTesting
import Foundation
import Synchronization
import Testing

/// `DeadLetterPolicy`: transient failures retried with exponential backoff and jitter on the injected clock, then
/// dead-lettered with the event, the error, the attempts and the times; permanent and poison failures
/// dead-lettered at once; a letter retried from the queue after a fix.
@Suite("Dead-letter policy", .timeLimit(.minutes(1)))
struct DeadLetterPolicyTests {
    enum PaymentError: CategorizedFailure, Equatable {
        case timeout, unknownCurrency, unreadable
        var failureCategory: FailureCategory {
            switch self {
            case .timeout: .transient
            case .unknownCurrency: .permanent
            case .unreadable: .poison
            }
        }
    }

    /// A handler that fails with `errors` in turn, then succeeds; counts its calls.
    final class ScriptedHandler: Sendable {
        private let state: Mutex<(errors: [PaymentError], calls: Int)>
        init(_ errors: [PaymentError]) { state = Mutex((errors, 0)) }
        var calls: Int { state.withLock { $0.calls } }
        func callAsFunction(_ payload: JSONValue) throws {
            let error = state.withLock { state -> PaymentError? in
                state.calls += 1
                return state.errors.isEmpty ? nil : state.errors.removeFirst()
            }
            if let error { throw error }
        }
    }

    static let retry = RetryPolicy(
        retries: 3, delay: .seconds(1), exponentialBackoff: true, maxDelay: .seconds(60), jitter: 0.5)

    func policy(_ clock: TestClock) throws -> DeadLetterPolicy {
        let queue = DeadLetterQueue(database: try TemporaryDatabase.make("policy"), clock: EventideClock(clock))
        return DeadLetterPolicy(source: "payments", deadLetters: queue, retry: Self.retry)
    }

    /// Runs `process` in a task; for each retry waits for its sleep, checks that one nanosecond before the delay
    /// the handler was not called again, then lets it run. Returns the disposition and the failures reported.
    func drive(
        _ policy: DeadLetterPolicy, _ clock: TestClock, _ handler: ScriptedHandler, retries: Int
    ) async throws -> (DeadLetterPolicy.Disposition, [DeadLetterPolicy.FailedAttempt]) {
        let failures = Mutex<[DeadLetterPolicy.FailedAttempt]>([])
        let task = Task {
            var generator = SeededGenerator(seed: 42)
            return try await policy.process(
                messageId: "m-1", payload: ["amount": 5], using: &generator,
                onFailure: { failure in failures.withLock { $0.append(failure) } }, { try handler($0) })
        }
        for retry in 1...max(retries, 1) where retries > 0 {
            try await clock.waitForSleepers()
            let delay = try #require(failures.withLock { $0.last?.retryAfter })
            let calls = handler.calls
            await clock.advance(by: delay - .nanoseconds(1))
            #expect(handler.calls == calls, "retry \(retry) waited its whole delay")
            await clock.advance(by: .nanoseconds(1))
        }
        return (try await task.value, failures.withLock { $0 })
    }

    @Test("a transient failure is retried after exponential, jittered delays and succeeds without a dead letter")
    func transientRecovers() async throws {
        let clock = TestClock()
        let policy = try policy(clock)
        let handler = ScriptedHandler([.timeout, .timeout])
        let (disposition, failures) = try await drive(policy, clock, handler, retries: 2)
        #expect(disposition == .processed(attempts: 3))
        #expect(handler.calls == 3)
        #expect(failures.map(\.category) == [.transient, .transient])
        #expect(try await policy.deadLetters.list().isEmpty)
    }

    @Test("transient retries back off exponentially with jitter, then the message is dead-lettered with everything")
    func transientExhausted() async throws {
        let clock = TestClock()
        let policy = try policy(clock)
        let handler = ScriptedHandler(Array(repeating: .timeout, count: 10))
        let (disposition, failures) = try await drive(policy, clock, handler, retries: 3)
        #expect(handler.calls == 4)
        let delays = failures.compactMap(\.retryAfter)
        try #require(delays.count == 3)
        for (index, delay) in delays.enumerated() {
            let longest = Duration.seconds(1 << index)  // 1 s, 2 s, 4 s
            #expect(delay <= longest && delay >= longest * 0.5)
        }
        let ratios = delays.enumerated().map { $1 / Duration.seconds(1 << $0) }
        #expect(Set(ratios).count > 1, "jittered: not every delay is the same fraction of its longest")
        guard case .deadLettered(let letter) = disposition else {
            Issue.record("expected a dead letter, got \(disposition)")
            return
        }
        #expect(letter.attempts == 4 && letter.category == .transient && letter.state == .waiting)
        #expect(letter.payload == ["amount": 5] && letter.messageId == "m-1" && letter.source == "payments")
        #expect(letter.errorType?.hasSuffix("PaymentError") == true)
        let epoch = EventideClock(clock).epoch
        #expect(letter.firstFailedAt == epoch)
        #expect(letter.lastFailedAt == policy.deadLetters.clock.date && clock.now.offset > .seconds(3))
        #expect(letter.deadLetteredAt == letter.lastFailedAt)
        #expect(try await policy.deadLetters.list() == [letter])
    }

    @Test(
        "permanent and poison failures are dead-lettered at the first attempt, without waiting",
        arguments: [
            PaymentError.unknownCurrency, .unreadable,
        ])
    func notRetried(error: PaymentError) async throws {
        let clock = TestClock()
        let policy = try policy(clock)
        let handler = ScriptedHandler([error])
        let (disposition, failures) = try await drive(policy, clock, handler, retries: 0)
        #expect(handler.calls == 1 && failures.map(\.retryAfter) == [nil])
        guard case .deadLettered(let letter) = disposition else {
            Issue.record("expected a dead letter, got \(disposition)")
            return
        }
        #expect(letter.attempts == 1 && letter.category == error.failureCategory)
        #expect(clock.now.offset == .zero)
    }

    @Test("a letter retried from the queue after a fix leaves it; one that fails again stays, attempts counted")
    func retryFromTheQueue() async throws {
        let clock = TestClock()
        let policy = try policy(clock)
        var generator = SeededGenerator(seed: 1)
        let first = try await policy.process(messageId: "a", payload: ["currency": "XYZ"], using: &generator) { _ in
            throw PaymentError.unknownCurrency
        }
        guard case .deadLettered(let letter) = first else {
            Issue.record("expected a dead letter")
            return
        }
        // Still broken: stays waiting, 2 attempts, the new error.
        let again = try await policy.retry(letter.id, using: &generator) { _ in throw PaymentError.unreadable }
        #expect(again.state == .waiting && again.attempts == 2 && again.category == .poison)
        // Fixed: the handler succeeds on the letter's payload, and the letter is redriven.
        let seen = Mutex<[JSONValue]>([])
        let fixed = try await policy.retry(letter.id, using: &generator) { payload in
            seen.withLock { $0.append(payload) }
        }
        #expect(fixed.state == .redriven && seen.withLock { $0 } == [["currency": "XYZ"]])
        #expect(try await policy.deadLetters.list().isEmpty)
        await #expect(throws: DeadLetterError.notWaiting(id: letter.id, state: .redriven)) {
            try await policy.retry(letter.id, using: &generator) { _ in }
        }
    }

    @Test("cancellation is not a failure: nothing is dead-lettered")
    func cancellation() async throws {
        let clock = TestClock()
        let policy = try policy(clock)
        var generator = SeededGenerator(seed: 1)
        await #expect(throws: CancellationError.self) {
            try await policy.process(messageId: "c", payload: 1, using: &generator) { _ in throw CancellationError() }
        }
        #expect(try await policy.deadLetters.list().isEmpty)
    }
}
