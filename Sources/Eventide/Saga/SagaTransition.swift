import Foundation

/// One change of a saga's state, as persisted in its history in the same transaction as the change (the
/// saga's equivalent of Temporal's event history): what the coordinator did, to which step, on which attempt.
public struct SagaTransition: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case sagaStarted, sagaResumed
        case actionStarted, actionSucceeded, actionFailed, actionTimedOut
        case compensationStarted, compensationSucceeded, compensationFailed, compensationParked
        case compensationResolved
        case sagaCompensating, sagaCompleted, sagaCompensated, sagaParked
    }

    /// Position in the store's saga history (increasing across sagas and processes).
    public let sequence: Int64
    public let sagaId: String
    /// The step concerned; `nil` for the saga's own transitions.
    public let step: String?
    public let kind: Kind
    /// The attempt of the action or compensation (0 for the saga's own transitions).
    public let attempt: Int
    /// What a succeeded action returned (JSON), the error of a failed attempt, the reason of a parking, the
    /// note of a resolution.
    public let detail: String?
    /// When it happened, on the coordinator's clock.
    public let date: Date
    /// The id of the process that made the change (a resumed saga shows two).
    public let processId: Int32
}
