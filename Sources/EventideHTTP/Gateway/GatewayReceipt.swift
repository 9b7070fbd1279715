/// The gateway's answer to a sender (the body of its 202): for each event of the request, in order, where it went.
/// Sent only after each event's commit: an asset event with the runs it created, or a dead letter.
public struct GatewayReceipt: Sendable, Hashable, Codable {
    public let sender: String
    public let events: [GatewayDisposition]

    public init(sender: String, events: [GatewayDisposition]) {
        self.sender = sender
        self.events = events
    }

    /// Every event of the request had been received before: the answer repeats the first one (the response also
    /// carries `Idempotent-Replayed: true`).
    public var replayed: Bool { !events.isEmpty && events.allSatisfy(\.replayed) }
}
