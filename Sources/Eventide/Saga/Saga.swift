/// A saga: a business transaction made of steps, each with an action and the compensation that undoes it.
///
/// The steps run in order; when one fails (or times out), the compensations of the steps that ran are run in
/// reverse order. A ``SagaCoordinator`` runs it and persists its state at every transition, so a killed process
/// resumes it where it stopped.
///
/// ```swift
/// let trip = try Saga("book_trip", steps: [
///     SagaStep("flight", timeout: .seconds(5),
///              action: { context in try await flights.book(key: context.idempotencyKey) },
///              compensation: { context in try await flights.cancel(key: context.idempotencyKey) }),
///     SagaStep("hotel", action: { … }, compensation: { … }),
/// ])
/// ```
public struct Saga: Sendable {
    public let name: String
    public let steps: [SagaStep]

    public init(_ name: String, steps: [SagaStep]) throws(SagaError) {
        guard !name.isEmpty else { throw .invalidDefinition(saga: name, reason: "the saga has no name") }
        guard !steps.isEmpty else { throw .invalidDefinition(saga: name, reason: "the saga has no step") }
        var seen = Set<String>()
        for step in steps {
            guard !step.name.isEmpty, seen.insert(step.name).inserted else {
                throw .invalidDefinition(saga: name, reason: "step names must be unique and non-empty: '\(step.name)'")
            }
        }
        self.name = name
        self.steps = steps
    }

    public var stepNames: [String] { steps.map(\.name) }
}

/// One step of a ``Saga``: an action, its compensation, a timeout and how a failing compensation is retried.
public struct SagaStep: Sendable {
    /// Does the step's work; what it returns is persisted and given to later steps and to the compensation.
    public typealias Action = @Sendable (SagaStepContext) async throws -> JSONValue
    /// Undoes the step's work. Must be idempotent on `context.idempotencyKey`: after a crash it may be called
    /// again for an attempt whose effect was applied but not recorded.
    public typealias Compensation = @Sendable (SagaStepContext) async throws -> Void

    public let name: String
    /// How long one attempt of the action (or of the compensation) may take, on the coordinator's clock. A
    /// timed-out action is compensated too: it may have taken effect.
    public var timeout: Duration?
    /// Retries of a failing compensation, with backoff; when they are used up the compensation is parked.
    public var compensationRetry: RetryPolicy
    public let action: Action
    public let compensation: Compensation

    public init(
        _ name: String, timeout: Duration? = nil,
        compensationRetry: RetryPolicy = RetryPolicy(retries: 3, delay: .milliseconds(100), exponentialBackoff: true),
        action: @escaping Action, compensation: @escaping Compensation
    ) {
        self.name = name
        self.timeout = timeout
        self.compensationRetry = compensationRetry
        self.action = action
        self.compensation = compensation
    }
}
