import Eventide
import EventideCLI
import Foundation
import Synchronization

/// Drives `SagaPattern.swift`: one trip saga (`trip-1`) through the coordinator DAG, with the failure, hang,
/// failing compensation or crash the flags ask for; a crash runs the saga in a child process that SIGKILLs itself,
/// then resumes it here. Every transition is noted as the coordinator commits it (or, for the killed process, at
/// the time its store says it happened).
extension SagaPattern {
    static let item = "95.4.4"
    static let title = "Saga Pattern"
    static let sagaId = "trip-1"
    static let dagId = "book_trip_saga"

    struct Configuration: Sendable {
        /// The step whose action is declined by its service (before any effect); `nil`: every step succeeds.
        var failAt: String? = "payment"
        /// The step whose service applies the booking and then stops answering: its timeout fires.
        var hangAt: String?
        /// The step whose compensation always fails: retried with backoff, then parked for a person.
        var failingCompensation: String?
        /// The step inside which the saga's process is SIGKILLed, after the service applied the effect and before
        /// the coordinator recorded it.
        var crashAt: String?
        var crashDuring: SagaStepContext.Phase = .action
        /// Kill this process at `crashAt` (the child's part); otherwise a child process is started and killed.
        var crashSelf = false
        /// The executable to start as the child (this example's own binary).
        var executable: URL?
        var stepTimeout: Duration = .seconds(2)

        /// The child's flags besides `--db` and `--crash-self`: the same faults as this run.
        var childArguments: [String] {
            let milliseconds = Int((stepTimeout / .milliseconds(1)).rounded())
            return [
                "--fail-at", failAt ?? "none", "--crash-during", crashDuring.rawValue, "--timeout-ms",
                "\(milliseconds)",
            ]
                + (crashAt.map { ["--crash-at", $0] } ?? []) + (hangAt.map { ["--hang-at", $0] } ?? [])
                + (failingCompensation.map { ["--fail-compensation", $0] } ?? [])
        }

        /// The steps whose compensation runs with these faults: those before the first failing or hanging step,
        /// and a hanging step itself (its effect may have happened).
        var compensatedSteps: [String] {
            let failing = stepNames.firstIndex { $0 == failAt || $0 == hangAt }
            guard let failing else { return [] }
            return Array(stepNames[..<failing]) + (stepNames[failing] == hangAt ? [stepNames[failing]] : [])
        }

        /// Why a fault the flags ask for could never happen with the others (`nil`: every fault is reachable).
        var unreachableFault: String? {
            let failing = stepNames.firstIndex { $0 == failAt || $0 == hangAt } ?? stepNames.count
            if let step = failingCompensation, !compensatedSteps.contains(step) {
                return "--fail-compensation \(step): that step is never compensated; fail or hang a later step"
            }
            if let step = crashAt, let index = stepNames.firstIndex(of: step) {
                switch crashDuring {
                case .action where index > failing || step == failAt:
                    return "--crash-at \(step): that step's service never applies its booking with these flags"
                case .compensation where !compensatedSteps.contains(step):
                    return "--crash-at \(step) --crash-during compensation: that step is never compensated"
                default: break
                }
            }
            return nil
        }
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        /// The store holds a saga that already ended; this example starts or resumes one saga per store.
        case sagaAlreadyEnded(path: String, sagaId: String, status: SagaInstance.Status)
        /// The child process ended otherwise than by SIGKILL (status or signal), so nothing was crashed.
        case childNotKilled(status: Int32, stderr: String)
        /// `--crash-at` needs this example's executable to start the child.
        case noExecutable

        var description: String {
            switch self {
            case .sagaAlreadyEnded(let path, let sagaId, let status):
                "the database \(path) holds saga \(sagaId), already \(status.rawValue); this example resumes an "
                    + "unfinished saga or starts one in an empty store: pass --db a new file, or omit --db"
            case .childNotKilled(let status, let stderr):
                "the child process exited with status \(status) instead of being killed at the crash point: \(stderr)"
            case .noExecutable:
                "--crash-at starts this example as a child process, but its executable could not be found"
            }
        }
    }

    struct StepOutcome: Codable, Sendable, Hashable {
        let step: String
        let action: SagaInstance.ActionState
        let actionAttempts: Int
        /// The service's booking reference, from the action's persisted result.
        let reference: String?
        let compensation: SagaInstance.CompensationState
        let compensationAttempts: Int
        /// Why a compensation was parked (or last failed).
        let compensationError: String?
    }

    /// What each service's log topic holds: the effects really applied.
    struct Effects: Codable, Sendable, Hashable {
        let service: String
        let booked: Int
        let undone: Int
    }

    struct HistoryEntry: Codable, Sendable, Hashable {
        let kind: SagaTransition.Kind
        let step: String?
        let attempt: Int
        /// 1 for the first process that worked on the saga, 2 for the one that resumed it.
        let process: Int
    }

    struct Crash: Codable, Sendable, Hashable {
        let step: String
        let phase: SagaStepContext.Phase
        let signal: Int32
        /// Transitions the killed process had committed.
        let transitionsBeforeKill: Int
    }

    struct Outcome: Codable, Sendable {
        let sagaId: String
        let status: SagaInstance.Status
        let failedStep: String?
        let steps: [StepOutcome]
        /// Steps in the order their actions succeeded (from the saga's history).
        let actionOrder: [String]
        /// Steps in the order their compensations succeeded (from the saga's history).
        let compensationOrder: [String]
        let history: [HistoryEntry]
        let effects: [Effects]
        /// Idempotency keys a resumed attempt found already applied by its service.
        let duplicateEffectsAbsorbed: [String]
        let crash: Crash?
        let resumed: Bool
        let coordinatorRunState: DagRunState?
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let ownPid = ProcessInfo.processInfo.processIdentifier
        let prior = try await SagaCoordinator(database: database).history(sagaId)
        if let stored = try await SagaCoordinator(database: database).instance(sagaId),
            !(stored.status == .running || stored.status == .compensating)
        {
            throw ScenarioError.sagaAlreadyEnded(path: database.path, sagaId: sagaId, status: stored.status)
        }
        var crash: Crash?
        var pids = [ownPid]
        if prior.isEmpty, let step = configuration.crashAt, !configuration.crashSelf {
            let signal = try killedChild(configuration, database: database)
            let history = try await SagaCoordinator(database: database).history(sagaId)
            pids = orderedProcesses(history) + [ownPid]
            crash = Crash(
                step: step, phase: configuration.crashDuring, signal: signal, transitionsBeforeKill: history.count)
            for transition in history { note(transition, pids: pids, configuration, timeline) }
            timeline.note(
                "[process 1] killed by signal \(signal) inside the \(configuration.crashDuring.rawValue) of \(step), "
                    + "after its service applied the effect, before the coordinator recorded it",
                at: history.last?.date ?? Date())
        } else if !prior.isEmpty {
            pids = orderedProcesses(prior) + [ownPid]
            for transition in prior { note(transition, pids: pids, configuration, timeline) }
        }
        let resumed = pids.count > 1
        let livePids = pids
        let duplicates = DuplicateLog()
        let faults = Faults(configuration, duplicates: duplicates)
        let orchestrator = Orchestrator(database: database)
        let coordinator = SagaCoordinator(database: database, clock: orchestrator.clock) { transition in
            note(transition, pids: livePids, configuration, timeline)
        }
        let saga = try bookTrip(log: orchestrator.log, faults: faults, timeout: configuration.stepTimeout)
        for step in stepNames { try await orchestrator.log.createTopic("trip.\(step)") }
        try await orchestrator.register(dags: [try coordinatorDAG(saga, coordinator)])
        if !resumed { try await orchestrator.requireFreshStore() }

        let runState = try await orchestrator.withServices {
            let scheduler = orchestrator.scheduler
            let unfinished = try await scheduler.runs(of: dagId).contains { !$0.state.isFinished }
            if !unfinished {
                try await scheduler.triggerRun(
                    dagId, conf: ["saga_id": .string(sagaId), "traveller": "Ada", "from": "LIS", "to": "OSL"])
            }
            // A run the killed process left running is picked up by the executor, which runs it again.
            return try await scheduler.waitForFinishedRuns(of: dagId, count: 1).last?.state
        }

        guard let instance = try await coordinator.instance(sagaId) else {
            throw SagaError.unknownSaga(sagaId: sagaId)
        }
        let history = try await coordinator.history(sagaId)
        let order = orderedProcesses(history)
        var effects: [Effects] = []
        for step in stepNames {
            let types = try await orchestrator.log.readAll(topic: "trip.\(step)").map(\.event.type)
            effects.append(
                Effects(
                    service: step, booked: types.filter { $0.hasSuffix(".booked") }.count,
                    undone: types.filter { !$0.hasSuffix(".booked") }.count))
        }
        let outcome = Outcome(
            sagaId: sagaId, status: instance.status, failedStep: instance.failedStep,
            steps: instance.steps.map {
                StepOutcome(
                    step: $0.name, action: $0.action, actionAttempts: $0.actionAttempts,
                    reference: $0.result?["reference"]?.stringValue, compensation: $0.compensation,
                    compensationAttempts: $0.compensationAttempts, compensationError: $0.compensationError)
            },
            actionOrder: history.filter { $0.kind == .actionSucceeded }.compactMap(\.step),
            compensationOrder: history.filter { $0.kind == .compensationSucceeded }.compactMap(\.step),
            history: history.map {
                HistoryEntry(
                    kind: $0.kind, step: $0.step, attempt: $0.attempt,
                    process: (order.firstIndex(of: $0.processId) ?? 0) + 1)
            },
            effects: effects, duplicateEffectsAbsorbed: duplicates.keys, crash: crash, resumed: resumed,
            coordinatorRunState: runState)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// Starts this example as a child on the same store, with the crash point, and waits for the kill.
    static func killedChild(_ configuration: Configuration, database: EventideDatabase) throws -> Int32 {
        guard let executable = configuration.executable else { throw ScenarioError.noExecutable }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--db", database.path, "--crash-self"] + configuration.childArguments
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationReason == .uncaughtSignal, process.terminationStatus == SIGKILL else {
            throw ScenarioError.childNotKilled(status: process.terminationStatus, stderr: stderr)
        }
        return process.terminationStatus
    }

    static func orderedProcesses(_ history: [SagaTransition]) -> [Int32] {
        var seen: [Int32] = []
        for transition in history where !seen.contains(transition.processId) { seen.append(transition.processId) }
        return seen
    }

    /// One timeline line per transition, stamped with the time the coordinator committed it.
    static func note(_ transition: SagaTransition, pids: [Int32], _ configuration: Configuration, _ timeline: Timeline)
    {
        let prefix = pids.count > 1 ? "[process \((pids.firstIndex(of: transition.processId) ?? 0) + 1)] " : ""
        let step = transition.step ?? ""
        let attempt = "attempt \(transition.attempt)"
        let text: String =
            switch transition.kind {
            case .sagaStarted: "saga \(transition.sagaId) started: \(stepNames.joined(separator: " → "))"
            case .sagaResumed: "saga \(transition.sagaId) resumed (\(transition.detail ?? ""))"
            case .actionStarted:
                "  \(step): \(step == "payment" ? "charging" : "booking") (\(attempt), key "
                    + SagaStepContext.idempotencyKey(sagaId: transition.sagaId, step: step, phase: .action) + ")"
            case .actionSucceeded:
                "  \(step): \(step == "payment" ? "charged" : "booked") "
                    + (transition.detail.flatMap { (try? JSONValue.parse($0))?["reference"]?.stringValue } ?? "")
            case .actionFailed: "  \(step): FAILED, \(transition.detail ?? "")"
            case .actionTimedOut: "  \(step): TIMED OUT after \(configuration.stepTimeout), it may have taken effect"
            case .sagaCompensating: "saga \(transition.sagaId) compensating: \(transition.detail ?? "")"
            case .compensationStarted: "  ↩ \(step): compensating (\(attempt))"
            case .compensationSucceeded: "  ↩ \(step): \(step == "payment" ? "refunded" : "cancelled")"
            case .compensationFailed:
                "  ↩ \(step): compensation \(attempt) failed (\(transition.detail ?? "")), next try in "
                    + "\(compensationRetry.delay(beforeTry: transition.attempt + 1))"
            case .compensationParked: "  ↩ \(step): compensation PARKED for a person: \(transition.detail ?? "")"
            case .compensationResolved: "  ↩ \(step): resolved by a person (\(transition.detail ?? ""))"
            case .sagaCompleted: "saga \(transition.sagaId) COMPLETED"
            case .sagaCompensated: "saga \(transition.sagaId) COMPENSATED"
            case .sagaParked: "saga \(transition.sagaId) PARKED: \(transition.detail ?? "")"
            }
        timeline.note(prefix + text, at: transition.date)
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let render = { (steps: [String]) in steps.isEmpty ? "none" : steps.joined(separator: " → ") }
        let undone: [String] = outcome.steps.filter { $0.compensation != .notNeeded }.map(\.step)
        let inReverse: Bool =
            outcome.compensationOrder == Array(undone.filter(outcome.compensationOrder.contains).reversed())
        let states: [String] = outcome.steps.map { "\($0.step) \($0.action.rawValue)/\($0.compensation.rawValue)" }
        let effects: [String] = outcome.effects.map { "\($0.service) \($0.booked) booked/\($0.undone) undone" }
        let atMostOnce: Bool = outcome.effects.allSatisfy { $0.booked <= 1 && $0.undone <= 1 }
        let failedState = outcome.steps.first { $0.step == outcome.failedStep }?.action
        let failed: String =
            outcome.failedStep.map { " after \($0) \(failedState == .timedOut ? "timed out" : "failed")" } ?? ""
        var lines: [String] = [
            "saga \(outcome.sagaId) ended \(outcome.status.rawValue)\(failed); coordinator DAG run: "
                + (outcome.coordinatorRunState?.rawValue ?? "none"),
            "steps (action/compensation): " + states.joined(separator: ", "),
            "actions succeeded in order: \(render(outcome.actionOrder)); compensations in order: "
                + "\(render(outcome.compensationOrder)), the reverse of the step order: \(inReverse)",
            "effects in the services' logs: \(effects.joined(separator: ", ")); every effect at most once: \(atMostOnce)",
        ]
        if let crash = outcome.crash {
            let completedBefore: [StepOutcome] = outcome.steps.filter { step in
                let index = outcome.actionOrder.firstIndex(of: step.step) ?? outcome.actionOrder.count
                let crashIndex = outcome.actionOrder.firstIndex(of: crash.step) ?? 0
                return step.action == .succeeded && (crash.phase == .compensation || index < crashIndex)
            }
            let ranOnce: Bool = completedBefore.allSatisfy { $0.actionAttempts == 1 }
            lines.append(
                "process 1 was SIGKILLed (signal \(crash.signal)) in the \(crash.phase.rawValue) of \(crash.step) "
                    + "after \(crash.transitionsBeforeKill) transitions; process 2 resumed it; the "
                    + "\(completedBefore.count) step(s) completed before the crash ran once each: \(ranOnce); effects "
                    + "found already applied and not applied again: \(outcome.duplicateEffectsAbsorbed.count)")
        }
        let parked: [String] = outcome.steps.filter { $0.compensation == .parked }.map {
            "\($0.step) after \($0.compensationAttempts) attempts"
        }
        if !parked.isEmpty { lines.append("parked for a person: " + parked.joined(separator: ", ")) }
        return lines
    }
}

/// The faults the flags inject into the services.
struct Faults: Sendable {
    let failAt: String?
    let hangAt: String?
    let failingCompensation: String?
    let crashAt: String?
    let crashDuring: SagaStepContext.Phase
    let duplicates: DuplicateLog

    init(_ configuration: SagaPattern.Configuration, duplicates: DuplicateLog) {
        failAt = configuration.failAt
        hangAt = configuration.hangAt
        failingCompensation = configuration.failingCompensation
        crashAt = configuration.crashSelf ? configuration.crashAt : nil
        crashDuring = configuration.crashDuring
        self.duplicates = duplicates
    }

    /// Before the service applies `effect`: a declined booking, a refused compensation.
    func before(_ effect: String, _ context: SagaStepContext) async throws {
        if context.phase == .action, context.step == failAt { throw TripError.declined(step: context.step) }
        if context.phase == .compensation, context.step == failingCompensation {
            throw TripError.compensationRefused(step: context.step, attempt: context.attempt)
        }
    }

    /// After the service applied `effect` (or found it applied): a crash, or a service that stops answering.
    func after(_ effect: String, _ context: SagaStepContext, duplicate: Bool) async throws {
        if duplicate { duplicates.append(context.idempotencyKey) }
        if context.step == crashAt, context.phase == crashDuring { kill(getpid(), SIGKILL) }
        if context.phase == .action, context.step == hangAt { try await context.clock.sleep(for: .seconds(3600)) }
    }
}

/// Idempotency keys whose effect a service found already applied.
final class DuplicateLog: Sendable {
    private let entries = Mutex<[String]>([])
    func append(_ key: String) { entries.withLock { $0.append(key) } }
    var keys: [String] { entries.withLock { $0 } }
}

/// Why a trip step or the coordinator DAG failed.
enum TripError: Error, Equatable, CustomStringConvertible {
    case declined(step: String)
    case compensationRefused(step: String, attempt: Int)
    case noSagaId
    case parked(sagaId: String)

    var description: String {
        switch self {
        case .declined(let step): "the \(step) service declined the booking"
        case .compensationRefused(let step, let attempt):
            "the \(step) service refused the compensation (attempt \(attempt))"
        case .noSagaId: "the run's conf has no saga_id; trigger book_trip_saga with {\"saga_id\": \"…\"}"
        case .parked(let sagaId): "saga \(sagaId) is parked: a compensation needs a person"
        }
    }
}
