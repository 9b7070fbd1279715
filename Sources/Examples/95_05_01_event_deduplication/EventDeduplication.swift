import Eventide

/// 95.5.1 — at-least-once delivery repeats messages: a broker redelivers an unacknowledged one (same event id),
/// a producer that timed out sends the same payment again (new event id). A consumer that charges per delivery
/// charges twice; one that records an idempotency key with the charge, in one transaction, charges once.
enum EventDeduplication {
    // [START keys]
    /// What makes two deliveries "the same payment".
    enum KeyChoice: String, Codable, CaseIterable, Sendable {
        /// The envelope's id: catches redeliveries, not producer retries (they carry a new id).
        case eventId = "event_id"
        /// A business field: the order a payment is for.
        case orderId = "order_id"
        /// A hash of the fields that together identify the payment.
        case fieldsHash = "hash(customer, order_id, amount_cents)"

        var key: IdempotencyKey {
            switch self {
            case .eventId: .eventId
            case .orderId: .field("order_id")
            case .fieldsHash: .hash(of: ["customer", "order_id", "amount_cents"])
            }
        }
    }
    // [END keys]

    // [START charge]
    /// The side effect: a row in `charge` per charge made, written in the transaction it is given.
    static func charge(_ event: EventEnvelope, by consumer: String, _ tx: StoreTransaction) throws {
        try tx.execute(
            "INSERT INTO charge(consumer, order_id, amount_cents) VALUES (?, ?, ?)",
            arguments: [.string(consumer), event.data["order_id"] ?? .null, event.data["amount_cents"] ?? .null])
    }

    /// Naive: every delivery charges.
    static func naive(_ event: EventEnvelope, store: Deduplicator) async throws {
        try await store.write { try charge(event, by: "naive", $0) }
    }

    /// Effectively once: the charge and its key commit together; a key already in the window charges nothing.
    /// Returns whether it charged.
    static func deduplicated(_ event: EventEnvelope, key: KeyChoice, consumer: String, _ window: Deduplicator)
        async throws -> Bool
    {
        try await window.process(event, key: key.key) { try charge(event, by: consumer, $0) }.wasApplied
    }
    // [END charge]

    // [START at_least_once]
    /// Where the key is recorded relative to the charge. Only `oneTransaction` survives a crash in between.
    enum Strategy: String, Codable, CaseIterable, Sendable {
        case markThenApply = "mark_then_apply", applyThenMark = "apply_then_mark", oneTransaction = "one_transaction"
    }

    struct Crash: Error {}

    /// Handles one delivery; `crash` throws between the two steps (inside the transaction for `oneTransaction`).
    static func handle(_ event: EventEnvelope, _ strategy: Strategy, _ window: Deduplicator, crash: Bool)
        async throws
    {
        let (consumer, key) = (strategy.rawValue, try KeyChoice.orderId.key.key(for: event))
        switch strategy {
        case .markThenApply:
            guard try await !window.check(key).isDuplicate else { return }
            if crash { throw Crash() }
            try await window.write { try charge(event, by: consumer, $0) }
        case .applyThenMark:
            guard try await !window.contains(key) else { return }
            try await window.write { try charge(event, by: consumer, $0) }
            if crash { throw Crash() }
            _ = try await window.check(key)
        case .oneTransaction:
            _ = try await window.process(key) { tx in
                try charge(event, by: consumer, tx)
                if crash { throw Crash() }
            }
        }
    }
    // [END at_least_once]
}
