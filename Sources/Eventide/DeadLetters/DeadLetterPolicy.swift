import Foundation

/// How a consumer handles a message that fails: the error's type chooses its `FailureCategory`
/// (`FailureClassifier`); a transient failure is tried again after `retry`'s exponential backoff with jitter
/// (`RetryPolicy.jitteredDelay`, waited on the queue's clock); a permanent or poison failure, or a transient one
/// whose retries are spent, goes to the dead-letter queue with the event, the error, the attempts and the time of
/// the first failure. Nothing is retried forever and nothing is dropped.
///
/// After a fix (in the code, or an operator's edit of the letter), `retry(_:…)` processes a waiting letter again
/// under the same rules: on success it leaves the queue (redriven), on failure it stays with the new error.
///
/// ```swift
/// let policy = DeadLetterPolicy(source: "payments", deadLetters: dlq,
///                               classifier: FailureClassifier().mapping(DecodingError.self, to: .poison))
/// var generator = SystemRandomNumberGenerator()
/// let fate = try await policy.process(messageId: id, payload: event, using: &generator) { try await charge($0) }
/// ```
public struct DeadLetterPolicy: Sendable {
    /// What processing a message came to.
    public enum Disposition: Sendable, Hashable {
        /// The handler succeeded, at this attempt (1: the first try).
        case processed(attempts: Int)
        /// The handler failed for good: the letter now waiting in the dead-letter queue.
        case deadLettered(DeadLetter)
    }

    /// One failed attempt, reported as it happens.
    public struct FailedAttempt: Sendable, Hashable {
        public let messageId: String?
        /// 1 for the first try.
        public let attempt: Int
        public let category: FailureCategory
        public let error: String
        /// The wait before the next try, or `nil` when there is none (the message is dead-lettered or stays so).
        public let retryAfter: Duration?
        public let at: Date
    }

    /// Recorded as the dead letters' source.
    public let source: String
    public let deadLetters: DeadLetterQueue
    public var classifier: FailureClassifier
    /// The retries of a transient failure: `retries` more tries after the first, `delay` doubling up to `maxDelay`
    /// with `exponentialBackoff`, each shortened by up to `jitter`.
    public var retry: RetryPolicy

    public init(
        source: String, deadLetters: DeadLetterQueue, classifier: FailureClassifier = FailureClassifier(),
        retry: RetryPolicy = RetryPolicy(
            retries: 3, delay: .milliseconds(100), exponentialBackoff: true, maxDelay: .seconds(30), jitter: 0.5)
    ) {
        self.source = source
        self.deadLetters = deadLetters
        self.classifier = classifier
        self.retry = retry
    }

    /// Processes one message: `handler` until it succeeds, or the message is dead-lettered as described above.
    /// Cancellation is not a failure: it is thrown, and nothing is dead-lettered.
    public func process(
        messageId: String?, payload: JSONValue, using generator: inout some RandomNumberGenerator,
        isolation: isolated (any Actor)? = #isolation,
        onFailure: (FailedAttempt) -> Void = { _ in },
        _ handler: (JSONValue) async throws -> Void
    ) async throws -> Disposition {
        switch try await attempts(messageId, payload, using: &generator, onFailure: onFailure, handler) {
        case .succeeded(let attempts):
            return .processed(attempts: attempts)
        case .failed(let failure):
            let letter = try await deadLetters.add(
                source: source, messageId: messageId, payload: payload, reason: "\(failure.error)",
                attempts: failure.attempts, at: failure.lastAt, category: failure.category,
                errorType: String(reflecting: type(of: failure.error)), firstFailedAt: failure.firstAt)
            return .deadLettered(letter)
        }
    }

    /// Processes a waiting letter again (its payload as it is now: edited or not), under the same rules as
    /// `process`: on success it is marked redriven and returned so; on failure it stays waiting with the new error,
    /// its attempts counted. Refuses a letter that is not waiting with `DeadLetterError`.
    public func retry(
        _ id: Int64, using generator: inout some RandomNumberGenerator,
        isolation: isolated (any Actor)? = #isolation,
        onFailure: (FailedAttempt) -> Void = { _ in },
        _ handler: (JSONValue) async throws -> Void
    ) async throws -> DeadLetter {
        let letter = try await deadLetters.letter(id)
        guard letter.state == .waiting else { throw DeadLetterError.notWaiting(id: id, state: letter.state) }
        switch try await attempts(letter.messageId, letter.payload, using: &generator, onFailure: onFailure, handler) {
        case .succeeded:
            guard try await deadLetters.markRedriven([id]).isEmpty == false else {
                throw DeadLetterError.notWaiting(id: id, state: try await deadLetters.letter(id).state)
            }
            return try await deadLetters.letter(id)
        case .failed(let failure):
            return try await deadLetters.recordFailedRetry(
                id, reason: "\(failure.error)", category: failure.category,
                errorType: String(reflecting: type(of: failure.error)), extraAttempts: failure.attempts,
                at: failure.lastAt)
        }
    }

    private struct Failure {
        let error: any Error
        let category: FailureCategory
        let attempts: Int
        let firstAt: Date
        let lastAt: Date
    }

    private enum Attempts {
        case succeeded(Int)
        case failed(Failure)
    }

    /// Tries `handler` once, and again after each transient failure while retries remain.
    private func attempts(
        _ messageId: String?, _ payload: JSONValue, using generator: inout some RandomNumberGenerator,
        isolation: isolated (any Actor)? = #isolation,
        onFailure: (FailedAttempt) -> Void, _ handler: (JSONValue) async throws -> Void
    ) async throws -> Attempts {
        let clock = deadLetters.clock
        var firstFailure: Date?
        var attempt = 1
        while true {
            do {
                try await handler(payload)
                return .succeeded(attempt)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let now = clock.date
                firstFailure = firstFailure ?? now
                let category = classifier.category(of: error)
                let retries = category.isRetried && attempt <= retry.retries
                let delay = retries ? retry.jitteredDelay(beforeTry: attempt + 1, using: &generator) : nil
                onFailure(
                    FailedAttempt(
                        messageId: messageId, attempt: attempt, category: category, error: "\(error)",
                        retryAfter: delay, at: now))
                guard let delay else {
                    return .failed(
                        Failure(
                            error: error, category: category, attempts: attempt, firstAt: firstFailure ?? now,
                            lastAt: now))
                }
                try await clock.sleep(for: delay)
                attempt += 1
            }
        }
    }
}
