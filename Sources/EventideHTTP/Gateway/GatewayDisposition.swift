import Eventide

/// Where one event of a request went: routed to an asset (and from there to the DAGs scheduled on it), or
/// dead-lettered because no rule took it. `replayed` says that its idempotency key had been received before and
/// nothing new was recorded: the disposition is the first delivery's.
public struct GatewayDisposition: Sendable, Hashable, Codable {
    public enum Fate: String, Sendable, Hashable, Codable {
        case routed
        case deadLettered = "dead_lettered"
        /// The key had been received with different content: nothing recorded; `routed` or `deadLettered`
        /// describe the first delivery, which stands.
        case conflict
    }

    /// An asset event, committed with the runs it created.
    public struct Routed: Sendable, Hashable, Codable {
        public let rule: String
        public let asset: AssetKey
        public let assetEventId: Int64
        /// The DAGs scheduled on the asset: the event was queued for each of them.
        public let dags: [String]
        /// The runs that had consumed the event when the answer was made: on the first delivery, the runs its
        /// commit created.
        public let runs: [DagRunRef]
    }

    /// A dead letter in the runtime's dead-letter queue.
    public struct DeadLettered: Sendable, Hashable, Codable {
        public let deadLetterId: Int64
        public let reason: UnroutableReason
    }

    /// The idempotency key, as the sender's rule derived it.
    public let key: String
    /// The canonical event type.
    public let type: String
    public let fate: Fate
    public let replayed: Bool
    public let routed: Routed?
    public let deadLettered: DeadLettered?

    private init(
        key: String, type: String, fate: Fate, replayed: Bool, routed: Routed?, deadLettered: DeadLettered?
    ) {
        self.key = key
        self.type = type
        self.fate = fate
        self.replayed = replayed
        self.routed = routed
        self.deadLettered = deadLettered
    }

    static func routed(key: String, type: String, _ routed: Routed, replayed: Bool) -> GatewayDisposition {
        .init(key: key, type: type, fate: .routed, replayed: replayed, routed: routed, deadLettered: nil)
    }

    static func deadLettered(
        key: String, type: String, _ letter: DeadLettered, replayed: Bool
    ) -> GatewayDisposition {
        .init(key: key, type: type, fate: .deadLettered, replayed: replayed, routed: nil, deadLettered: letter)
    }

    /// The key was first received with other content; `first` is what that delivery got.
    static func conflict(key: String, type: String, first: GatewayDisposition) -> GatewayDisposition {
        .init(
            key: key, type: type, fate: .conflict, replayed: true, routed: first.routed,
            deadLettered: first.deadLettered)
    }
}
