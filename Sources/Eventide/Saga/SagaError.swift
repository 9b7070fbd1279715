/// What went wrong with a saga's definition, its stored state, or one of its steps.
public enum SagaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The saga declared no step, an unnamed step or two steps with one name.
    case invalidDefinition(saga: String, reason: String)
    /// The store holds saga `sagaId` with other steps than the definition it is resumed with.
    case definitionMismatch(sagaId: String, stored: [String], declared: [String])
    /// No saga `sagaId` in the store.
    case unknownSaga(sagaId: String)
    /// `resolveParked` was asked for a compensation that is not parked.
    case notParked(sagaId: String, step: String)
    /// An attempt of `step` did not finish within its timeout.
    case stepTimedOut(step: String, phase: SagaStepContext.Phase, after: Duration)

    public var description: String {
        switch self {
        case .invalidDefinition(let saga, let reason):
            "saga '\(saga)' is not valid: \(reason); declare at least one step, each with its own name."
        case .definitionMismatch(let sagaId, let stored, let declared):
            "saga '\(sagaId)' was started with the steps \(stored) but is resumed with \(declared); resume it with "
                + "the definition it started with (or start a new saga id)."
        case .unknownSaga(let sagaId):
            "no saga '\(sagaId)' in the store; start it with SagaCoordinator.run(_:id:input:)."
        case .notParked(let sagaId, let step):
            "the compensation of step '\(step)' of saga '\(sagaId)' is not parked; only a parked compensation "
                + "can be resolved by a person."
        case .stepTimedOut(let step, let phase, let after):
            "the \(phase.rawValue) of step '\(step)' did not finish within \(after); the saga treats it as failed."
        }
    }
}
