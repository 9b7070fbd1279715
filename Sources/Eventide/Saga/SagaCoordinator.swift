import Foundation
import GRDB

/// Runs sagas: their steps forward, and on a failure their compensations in reverse order, persisting the
/// state of every step in the store (`saga_instance`, `saga_step`, `saga_transition`) at every transition.
///
/// Crash safety: a transition is committed before the work it announces starts (`actionStarted`) and after it
/// ends (`actionSucceeded`), so `run` called again for a saga of a killed process resumes it: a step recorded as
/// succeeded is never run again, a compensation recorded as done is never run again, and an attempt that was in
/// flight is run again with the same idempotency key (its participant applies it at most once). A compensation
/// that fails is retried with `compensationRetry`'s backoff on the coordinator's clock, attempts counted across
/// processes; when the retries are used up it is parked with its reason and the saga ends `parked` until a person
/// calls ``resolveParked(sagaId:step:note:)``. The other compensations still run: one stuck refund does not keep
/// a hotel room booked.
///
/// ```swift
/// let coordinator = SagaCoordinator(database: database) { transition in print(transition.kind) }
/// let outcome = try await coordinator.run(trip, id: "trip-42", input: ["traveller": "ada"])
/// // a second process after a SIGKILL: the same call resumes trip-42 where it stopped
/// ```
public final class SagaCoordinator: Sendable {
    public let database: EventideDatabase
    public let clock: EventideClock
    private let onTransition: @Sendable (SagaTransition) -> Void

    /// `onTransition` is called with each transition right after it is committed, in order.
    public init(
        database: EventideDatabase, clock: EventideClock = .system,
        onTransition: @escaping @Sendable (SagaTransition) -> Void = { _ in }
    ) {
        self.database = database
        self.clock = clock
        self.onTransition = onTransition
    }

    // MARK: Running

    /// Starts saga `id` with `input`, or resumes it if the store already holds it, and runs it until it is
    /// completed, compensated or parked. A saga that already finished (or is parked) is returned as it is.
    @discardableResult
    public func run(_ saga: Saga, id sagaId: String, input: JSONValue = .object([:])) async throws -> SagaInstance {
        var instance = try await begin(saga, sagaId: sagaId, input: input)
        if instance.status == .running { instance = try await forward(saga, instance) }
        if instance.status == .compensating { instance = try await compensate(saga, instance) }
        return instance
    }

    private func begin(_ saga: Saga, sagaId: String, input: JSONValue) async throws -> SagaInstance {
        let now = clock.date
        let (instance, transitions) = try await database.pool.write { db -> (SagaInstance, [SagaTransition]) in
            if let stored = try SagaStore.instance(db, sagaId: sagaId) {
                let storedNames = stored.steps.map(\.name)
                guard stored.sagaName == saga.name, storedNames == saga.stepNames else {
                    throw SagaError.definitionMismatch(sagaId: sagaId, stored: storedNames, declared: saga.stepNames)
                }
                guard stored.status == .running || stored.status == .compensating else { return (stored, []) }
                let open = stored.steps.first { $0.action == .running || $0.compensation == .running }
                let detail =
                    "\(stored.status.rawValue)"
                    + (open.map { " with step \($0.name) in flight" } ?? "")
                return (
                    stored,
                    [
                        try SagaStore.record(
                            db, sagaId: sagaId, step: nil, kind: .sagaResumed, attempt: 0, detail: detail, at: now)
                    ]
                )
            }
            let started = try SagaStore.insert(db, saga: saga, sagaId: sagaId, input: input, at: now)
            guard let inserted = try SagaStore.instance(db, sagaId: sagaId) else {
                throw SagaError.unknownSaga(sagaId: sagaId)
            }
            return (inserted, [started])
        }
        transitions.forEach(onTransition)
        return instance
    }

    /// Runs the steps whose action has not succeeded, in order; on the first failure or timeout, marks the steps
    /// to undo and switches the saga to compensating.
    private func forward(_ saga: Saga, _ start: SagaInstance) async throws -> SagaInstance {
        var instance = start
        for (index, step) in saga.steps.enumerated() where instance.steps[index].action != .succeeded {
            var record = instance.steps[index]
            record.action = .running
            record.actionAttempts += 1
            try await commit(instance.sagaId, record, .actionStarted, attempt: record.actionAttempts)
            instance.steps[index] = record
            let context = self.context(instance, step: step.name, phase: .action, attempt: record.actionAttempts)
            do {
                let result = try await attempt(step, phase: .action) { try await step.action(context) }
                record.action = .succeeded
                record.result = result
                record.actionError = nil
                try await commit(
                    instance.sagaId, record, .actionSucceeded, attempt: record.actionAttempts, detail: result.jsonText)
                instance.steps[index] = record
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let timedOut = (error as? SagaError).map { if case .stepTimedOut = $0 { true } else { false } } ?? false
                record.action = timedOut ? .timedOut : .failed
                record.actionError = "\(error)"
                instance.steps[index] = record
                return try await startCompensating(instance, failed: record, timedOut: timedOut)
            }
        }
        instance.status = .completed
        let now = clock.date
        let snapshot = instance
        let done = try await database.pool.write { db in
            try SagaStore.setStatus(db, snapshot, kind: .sagaCompleted, detail: nil, at: now)
        }
        onTransition(done)
        return instance
    }

    /// One transaction: the failed step's state, the compensations now pending (every step whose action
    /// succeeded, and a timed-out one, which may have taken effect), and the saga's status.
    private func startCompensating(_ start: SagaInstance, failed: SagaInstance.Step, timedOut: Bool) async throws
        -> SagaInstance
    {
        var instance = start
        instance.status = .compensating
        instance.failedStep = failed.name
        instance.failure = failed.actionError
        for index in instance.steps.indices
        where instance.steps[index].action == .succeeded || instance.steps[index].action == .timedOut {
            instance.steps[index].compensation = .pending
        }
        let now = clock.date
        let snapshot = instance
        let transitions = try await database.pool.write { db in
            var written: [SagaTransition] = []
            for step in snapshot.steps where step.name != failed.name && step.compensation == .pending {
                try db.run(
                    "UPDATE saga_step SET compensation_state = ? WHERE saga_id = ? AND step_index = ?",
                    arguments: [step.compensation.rawValue, snapshot.sagaId, step.index])
            }
            guard let step = snapshot.step(failed.name) else { throw SagaError.unknownSaga(sagaId: snapshot.sagaId) }
            written.append(
                try SagaStore.update(
                    db, sagaId: snapshot.sagaId, step: step, kind: timedOut ? .actionTimedOut : .actionFailed,
                    attempt: step.actionAttempts, detail: step.actionError, at: now))
            written.append(
                try SagaStore.setStatus(
                    db, snapshot, kind: .sagaCompensating,
                    detail: "\(snapshot.steps.filter { $0.compensation == .pending }.count) step(s) to undo"
                        + ", in reverse order", at: now))
            return written
        }
        transitions.forEach(onTransition)
        return instance
    }

    /// Runs the pending (or interrupted) compensations in reverse step order, each retried with backoff and
    /// parked when its retries are used up; then ends the saga compensated, or parked if one was parked.
    private func compensate(_ saga: Saga, _ start: SagaInstance) async throws -> SagaInstance {
        var instance = start
        for (index, step) in saga.steps.enumerated().reversed()
        where [.pending, .running].contains(instance.steps[index].compensation) {
            var record = instance.steps[index]
            while true {
                record.compensation = .running
                record.compensationAttempts += 1
                try await commit(instance.sagaId, record, .compensationStarted, attempt: record.compensationAttempts)
                let context = self.context(
                    instance, step: step.name, phase: .compensation, attempt: record.compensationAttempts)
                do {
                    try await attempt(step, phase: .compensation) {
                        try await step.compensation(context)
                        return JSONValue.null
                    }
                    record.compensation = .done
                    record.compensationError = nil
                    try await commit(
                        instance.sagaId, record, .compensationSucceeded, attempt: record.compensationAttempts)
                    break
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    record.compensationError = "\(error)"
                    guard record.compensationAttempts <= step.compensationRetry.retries else {
                        record.compensation = .parked
                        let reason =
                            "failed \(record.compensationAttempts) time(s), retries used up; last error: \(error)"
                        try await commit(
                            instance.sagaId, record, .compensationParked, attempt: record.compensationAttempts,
                            detail: reason)
                        break
                    }
                    try await commit(
                        instance.sagaId, record, .compensationFailed, attempt: record.compensationAttempts,
                        detail: record.compensationError)
                    var random = SystemRandomNumberGenerator()
                    try await clock.sleep(
                        for: step.compensationRetry.jitteredDelay(
                            beforeTry: record.compensationAttempts + 1, using: &random))
                }
            }
            instance.steps[index] = record
        }
        return try await finishCompensating(instance, detail: nil)
    }

    private func finishCompensating(_ start: SagaInstance, detail: String?) async throws -> SagaInstance {
        var instance = start
        let parkedNames = instance.steps.filter { $0.compensation == .parked }.map(\.name)
        let parked = !parkedNames.isEmpty
        instance.status = parked ? .parked : .compensated
        let now = clock.date
        let snapshot = instance
        let done = try await database.pool.write { db in
            try SagaStore.setStatus(
                db, snapshot, kind: parked ? .sagaParked : .sagaCompensated,
                detail: parked ? "needs a person for: \(parkedNames.joined(separator: ", "))" : detail,
                at: now)
        }
        onTransition(done)
        return instance
    }

    // MARK: A person's part

    /// Records that a person dealt with the parked compensation of `step` (refunded by hand, say). When no
    /// compensation is parked any more, the saga ends compensated.
    @discardableResult
    public func resolveParked(sagaId: String, step: String, note: String) async throws -> SagaInstance {
        guard var instance = try await instance(sagaId) else { throw SagaError.unknownSaga(sagaId: sagaId) }
        guard let index = instance.steps.firstIndex(where: { $0.name == step }),
            instance.steps[index].compensation == .parked
        else { throw SagaError.notParked(sagaId: sagaId, step: step) }
        instance.steps[index].compensation = .resolved
        try await commit(sagaId, instance.steps[index], .compensationResolved, attempt: 0, detail: note)
        guard !instance.steps.contains(where: { $0.compensation == .parked }) else { return instance }
        return try await finishCompensating(instance, detail: "parked compensations resolved by a person")
    }

    // MARK: Reading

    /// The saga as stored, or `nil`.
    public func instance(_ sagaId: String) async throws -> SagaInstance? {
        try await database.pool.read { db in try SagaStore.instance(db, sagaId: sagaId) }
    }

    /// The saga's history, oldest first (every saga's with `nil`).
    public func history(_ sagaId: String? = nil) async throws -> [SagaTransition] {
        try await database.pool.read { db in try SagaStore.transitions(db, sagaId: sagaId) }
    }

    /// Every saga id in the store, oldest first.
    public func sagaIds() async throws -> [String] {
        try await database.pool.read { db in try SagaStore.sagaIds(db) }
    }

    // MARK: Helpers

    private func commit(
        _ sagaId: String, _ step: SagaInstance.Step, _ kind: SagaTransition.Kind, attempt: Int, detail: String? = nil
    ) async throws {
        let now = clock.date
        let transition = try await database.pool.write { db in
            try SagaStore.update(db, sagaId: sagaId, step: step, kind: kind, attempt: attempt, detail: detail, at: now)
        }
        onTransition(transition)
    }

    private func context(_ instance: SagaInstance, step: String, phase: SagaStepContext.Phase, attempt: Int)
        -> SagaStepContext
    {
        SagaStepContext(
            sagaId: instance.sagaId, step: step, phase: phase, attempt: attempt,
            idempotencyKey: SagaStepContext.idempotencyKey(sagaId: instance.sagaId, step: step, phase: phase),
            input: instance.input,
            results: Dictionary(
                uniqueKeysWithValues: instance.steps.compactMap { step in step.result.map { (step.name, $0) } }),
            clock: clock)
    }

    /// Runs one attempt of `step`'s `phase`, bounded by the step's timeout on the coordinator's clock.
    @discardableResult
    private func attempt(
        _ step: SagaStep, phase: SagaStepContext.Phase, _ body: @escaping @Sendable () async throws -> JSONValue
    ) async throws -> JSONValue {
        guard let timeout = step.timeout else { return try await body() }
        let clock = clock
        return try await withThrowingTaskGroup(of: JSONValue.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await clock.sleep(for: timeout)
                throw SagaError.stepTimedOut(step: step.name, phase: phase, after: timeout)
            }
            defer { group.cancelAll() }
            guard let result = try await group.next() else { throw CancellationError() }
            return result
        }
    }
}
