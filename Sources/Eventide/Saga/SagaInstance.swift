import Foundation

/// A saga as the store holds it: its status, and the state of every step's action and compensation.
public struct SagaInstance: Sendable, Hashable, Codable {
    /// Where the saga as a whole stands.
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Steps are running forward.
        case running
        /// A step failed; the compensations of the steps that ran are running, in reverse order.
        case compensating
        /// Every step succeeded.
        case completed
        /// A step failed and every compensation it needed is done (or was resolved by a person).
        case compensated
        /// A compensation kept failing and waits for a person (`SagaCoordinator.resolveParked`).
        case parked

        public var isFinished: Bool { self == .completed || self == .compensated }
    }

    /// The state of a step's action.
    public enum ActionState: String, Sendable, Codable, CaseIterable {
        case pending, running, succeeded, failed, timedOut
    }

    /// The state of a step's compensation.
    public enum CompensationState: String, Sendable, Codable, CaseIterable {
        /// The action has not had an effect to undo (not run, or failed before any effect).
        case notNeeded
        /// Waits for the compensations of later steps.
        case pending
        case running
        case done
        /// Retries used up: waits for a person, with the reason in `compensationError`.
        case parked
        /// A person resolved the parked compensation.
        case resolved
    }

    public struct Step: Sendable, Hashable, Codable {
        public let index: Int
        public let name: String
        public let idempotencyKey: String
        public internal(set) var action: ActionState
        public internal(set) var actionAttempts: Int
        /// What the action returned.
        public internal(set) var result: JSONValue?
        public internal(set) var actionError: String?
        public internal(set) var compensation: CompensationState
        public internal(set) var compensationAttempts: Int
        public internal(set) var compensationError: String?
    }

    public let sagaId: String
    public let sagaName: String
    public internal(set) var status: Status
    public let input: JSONValue
    public internal(set) var steps: [Step]
    /// The step whose failure started the compensations.
    public internal(set) var failedStep: String?
    public internal(set) var failure: String?

    /// The step names whose compensation is done or resolved, in the order compensations run (reverse step order).
    public var compensated: [String] {
        steps.filter { $0.compensation == .done || $0.compensation == .resolved }.map(\.name).reversed()
    }

    public func step(_ name: String) -> Step? { steps.first { $0.name == name } }
}
