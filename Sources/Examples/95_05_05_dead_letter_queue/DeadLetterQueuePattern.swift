import Eventide
import Foundation

/// The pattern: payments consumed from an embedded queue; each failure categorised by its error's type; transient
/// ones retried with exponential backoff and jitter; what cannot succeed kept in the runtime's dead-letter queue
/// with its event, error, attempts and times, until a fix, an edit, a redrive or a discard.
enum DeadLetterQueuePattern {
    // [START errors]
    /// A payment as the queue carries it; a body that does not decode is a `DecodingError` (poison).
    struct Payment: Codable, Sendable, Hashable {
        let id: String
        let amount: Int
        let currency: String
    }

    /// The gateway's failures say their own category.
    enum PaymentError: CategorizedFailure, Equatable, CustomStringConvertible {
        case gatewayTimeout(payment: String)
        case unsupportedCurrency(String)

        var failureCategory: FailureCategory {
            switch self {
            case .gatewayTimeout: .transient  // the moment was wrong: try again later
            case .unsupportedCurrency: .permanent  // the message is wrong: retrying cannot help
            }
        }

        var description: String {
            switch self {
            case .gatewayTimeout(let payment): "gateway timed out charging \(payment)"
            case .unsupportedCurrency(let currency): "currency \(currency) is not supported"
            }
        }
    }
    // [END errors]

    // [START policy]
    /// Errors we do not own are categorised by a mapping: an undecodable body is poison.
    static func policy(_ deadLetters: DeadLetterQueue) -> DeadLetterPolicy {
        DeadLetterPolicy(
            source: "payments", deadLetters: deadLetters,
            classifier: FailureClassifier().mapping(DecodingError.self, to: .poison),
            retry: RetryPolicy(
                retries: 3, delay: .milliseconds(20), exponentialBackoff: true, maxDelay: .seconds(1), jitter: 0.5))
    }
    // [END policy]

    // [START consumer]
    /// Receives every visible message, processes each under the policy, and deletes it from the queue once it is
    /// charged or dead-lettered (the dead letter holds it then: nothing is dropped). The letter's payload is the
    /// queue's message (queue, body, attributes), so a redrive can send it back to the queue.
    static func consume(
        _ queues: EmbeddedQueue, _ policy: DeadLetterPolicy, using generator: inout some RandomNumberGenerator,
        onFailure: (DeadLetterPolicy.FailedAttempt) -> Void,
        charge: (Payment) async throws -> Void
    ) async throws -> [(QueueMessage, DeadLetterPolicy.Disposition)] {
        var fates: [(QueueMessage, DeadLetterPolicy.Disposition)] = []
        while true {
            let messages = try await queues.receive("payments", limit: 10)
            if messages.isEmpty { return fates }
            for message in messages {
                let payload: JSONValue = ["queue": "payments", "body": .string(message.body), "attributes": [:]]
                let fate = try await policy.process(
                    messageId: message.messageId, payload: payload, using: &generator, onFailure: onFailure
                ) { payload in try await charge(try decode(payload)) }
                try await queues.delete("payments", receipt: message.receipt)
                fates.append((message, fate))
            }
        }
    }

    /// The payment in a letter's (or a message's) payload.
    static func decode(_ payload: JSONValue) throws -> Payment {
        try JSONDecoder().decode(Payment.self, from: Data((payload["body"]?.stringValue ?? "").utf8))
    }
    // [END consumer]
}
