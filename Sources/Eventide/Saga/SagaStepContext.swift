/// What a step's action or compensation sees: which saga and step, which attempt, the key that makes its
/// effect idempotent, the saga's input and what earlier steps returned.
public struct SagaStepContext: Sendable {
    public enum Phase: String, Sendable, Codable { case action, compensation }

    public let sagaId: String
    public let step: String
    public let phase: Phase
    /// 1 for the first attempt; a resumed or retried attempt counts on from the persisted attempts.
    public let attempt: Int
    /// `<saga id>/<step>/<phase>`: the same for every attempt of this phase, across processes. A participant
    /// that applies an effect at most once per key makes a retried or resumed attempt harmless.
    public let idempotencyKey: String
    /// The input the saga was started with.
    public let input: JSONValue
    /// What each step that succeeded returned, by step name (for a compensation: including its own step's).
    public let results: [String: JSONValue]
    /// The coordinator's clock, for anything the step waits on or stamps.
    public let clock: EventideClock

    /// The key of `phase` of `step` in saga `sagaId`.
    public static func idempotencyKey(sagaId: String, step: String, phase: Phase) -> String {
        "\(sagaId)/\(step)/\(phase.rawValue)"
    }
}
