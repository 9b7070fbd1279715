import Eventide

/// 95.5.2 — events of one key must be applied in the order they happened, but they arrive out of order
/// (concurrent senders, retries), twice, or not at all. The producer numbers each key's events; the topic keeps
/// each key in one partition; the consumer restores the numbers' order with a persisted resequencing buffer
/// and gives up a gap after a timeout (skip it, or dead-letter what waits behind it).
enum EventOrdering {
    // [START producer]
    /// Numbers a change of `account` when it happens: 1, 2, 3, … per account, kept in the store.
    static func stamp(account: String, balance: Int, _ numbers: SequenceNumbers) async throws -> SequencedEvent {
        let sequence = try await numbers.next(for: account)
        return SequencedEvent(
            key: account, sequence: sequence,
            payload: [
                "account": .string(account), "sequence": .number(Double(sequence)), "balance": .number(Double(balance)),
            ])
    }

    /// Sends a numbered change keyed by its account: one account, one partition, that partition's order.
    static func send(_ event: SequencedEvent, to topic: String, on topics: any TopicService) async throws -> LogPosition
    {
        try await topics.produce(topic, key: event.key, value: event.payload, headers: [:])
    }
    // [END producer]

    // [START consumer]
    /// The state the consumer keeps: each account's balance is the one its latest event set.
    static func apply(_ event: SequencedEvent, by consumer: String, _ tx: StoreTransaction) throws {
        try tx.execute(
            "INSERT INTO applied(consumer, account, sequence, balance) VALUES (?, ?, ?, ?)",
            arguments: [
                .string(consumer), .string(event.key), .number(Double(event.sequence)),
                event.payload["balance"] ?? .null,
            ])
    }

    /// Naive: applies what arrives, as it arrives.
    static func applyNaively(_ event: SequencedEvent, _ database: EventideDatabase) async throws {
        try await database.transaction { try apply(event, by: "naive", $0) }
    }

    /// Resequenced: the resequencer releases the account's next events in order (or none), and they are applied
    /// in the transaction that stores its buffer.
    static func applyInOrder(_ event: SequencedEvent, _ resequencer: Resequencer) async throws -> [ResequencerOutput] {
        try await resequencer.accept(event) { tx, released in
            for event in released { try apply(event, by: "resequenced", tx) }
        }
    }

    /// When a gap waited too long: what the policy releases is applied the same way.
    static func giveUpGaps(_ resequencer: Resequencer) async throws -> [ResequencerOutput] {
        try await resequencer.expire { tx, released in
            for event in released { try apply(event, by: "resequenced", tx) }
        }
    }
    // [END consumer]

    // [START policy]
    /// At most `capacity` events wait per account, at most `timeout`; then the gap is skipped or dead-lettered.
    static func policy(capacity: Int, timeout: Duration, onGap: ResequencingPolicy.GapAction) throws
        -> ResequencingPolicy
    {
        try ResequencingPolicy(capacity: capacity, timeout: timeout, onGap: onGap)
    }
    // [END policy]
}
