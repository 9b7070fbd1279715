import NIOCore

/// What went wrong talking to a Kafka broker.
public enum KafkaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No broker answered at the endpoint within the reconnect deadline (not running, wrong port, network).
    case unreachable(endpoint: String, reason: String)
    /// The connection closed while a request was in flight (the broker stopped or restarted).
    case connectionClosed(endpoint: String)
    /// The broker did not answer a request in time; the connection is closed and reopened on the next request.
    case timedOut(api: String, endpoint: String, milliseconds: Int64)
    /// The broker answered with a Kafka error code (see `KafkaErrorCode` for the names).
    case broker(api: String, code: Int16, context: String)
    /// The answer could not be decoded as the API version we asked for.
    case malformedResponse(api: String, reason: String)
    /// A record batch failed its CRC-32C check or could not be parsed.
    case corruptRecordBatch(topic: String, partition: Int32, reason: String)
    /// The topic does not exist (create it with `KafkaClient.createTopic`) or has no partitions yet.
    case unknownTopic(String)
    /// The caller asked for something this client cannot do (bad argument, a closed consumer).
    case invalidArgument(String)
    /// Something answered at the endpoint, but not in Kafka's protocol (an HTTP or Postgres server, say):
    /// `answer` shows the first bytes it sent.
    case notKafka(endpoint: String, answer: String)

    /// The Kafka error code, when the broker sent one.
    public var code: Int16? {
        if case .broker(_, let code, _) = self { return code }
        return nil
    }

    /// Errors after which the same request can succeed once the connection is reopened.
    var isRetriableConnectionError: Bool {
        switch self {
        case .unreachable, .connectionClosed, .timedOut: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let endpoint, let reason):
            return "Kafka broker at \(endpoint) did not answer: \(reason). Is it running (scripts/servers up tansu)?"
        case .connectionClosed(let endpoint):
            return
                "The connection to the Kafka broker at \(endpoint) closed with a request in flight; retry, the client reconnects"
        case .timedOut(let api, let endpoint, let milliseconds):
            return
                "Kafka \(api) to \(endpoint) got no answer within \(milliseconds) ms; the connection was closed, retry"
        case .broker(let api, let code, let context):
            return
                "Kafka \(api) failed with \(KafkaErrorCode.name(code)) (\(code))\(context.isEmpty ? "" : " for \(context)")"
        case .malformedResponse(let api, let reason):
            return "Kafka \(api) returned an answer this client cannot decode: \(reason)"
        case .corruptRecordBatch(let topic, let partition, let reason):
            return "A record batch of \(topic)/\(partition) is corrupt: \(reason)"
        case .unknownTopic(let topic):
            return
                "Kafka topic '\(topic)' does not exist or has no partitions; create it first (KafkaClient.createTopic)"
        case .invalidArgument(let reason):
            return "Invalid use of the Kafka client: \(reason)"
        case .notKafka(let endpoint, let answer):
            return "expected a Kafka response from \(endpoint), got \(answer). Is that the broker's address and port "
                + "(tansu listens on 19092 with scripts/servers up tansu)?"
        }
    }
}

/// Names of the Kafka error codes this client meets (the protocol's numbering).
public enum KafkaErrorCode {
    public static let none: Int16 = 0
    public static let offsetOutOfRange: Int16 = 1
    public static let corruptMessage: Int16 = 2
    public static let unknownTopicOrPartition: Int16 = 3
    public static let leaderNotAvailable: Int16 = 5
    public static let notLeaderForPartition: Int16 = 6
    public static let requestTimedOut: Int16 = 7
    public static let coordinatorLoadInProgress: Int16 = 14
    public static let coordinatorNotAvailable: Int16 = 15
    public static let notCoordinator: Int16 = 16
    public static let illegalGeneration: Int16 = 22
    public static let inconsistentGroupProtocol: Int16 = 23
    public static let unknownMemberId: Int16 = 25
    public static let invalidSessionTimeout: Int16 = 26
    public static let rebalanceInProgress: Int16 = 27
    public static let topicAlreadyExists: Int16 = 36
    public static let memberIdRequired: Int16 = 79

    static let names: [Int16: String] = [
        -1: "UNKNOWN_SERVER_ERROR", 0: "NONE", 1: "OFFSET_OUT_OF_RANGE", 2: "CORRUPT_MESSAGE",
        3: "UNKNOWN_TOPIC_OR_PARTITION", 4: "INVALID_FETCH_SIZE", 5: "LEADER_NOT_AVAILABLE",
        6: "NOT_LEADER_OR_FOLLOWER", 7: "REQUEST_TIMED_OUT", 10: "MESSAGE_TOO_LARGE",
        14: "COORDINATOR_LOAD_IN_PROGRESS", 15: "COORDINATOR_NOT_AVAILABLE", 16: "NOT_COORDINATOR",
        17: "INVALID_TOPIC_EXCEPTION", 22: "ILLEGAL_GENERATION", 23: "INCONSISTENT_GROUP_PROTOCOL",
        25: "UNKNOWN_MEMBER_ID", 26: "INVALID_SESSION_TIMEOUT", 27: "REBALANCE_IN_PROGRESS",
        35: "UNSUPPORTED_VERSION", 36: "TOPIC_ALREADY_EXISTS", 37: "INVALID_PARTITIONS",
        42: "INVALID_REQUEST", 79: "MEMBER_ID_REQUIRED",
    ]

    public static func name(_ code: Int16) -> String { names[code] ?? "ERROR_\(code)" }
}

extension KafkaError {
    /// The first bytes a peer sent, for `notKafka`: as text when they are printable ASCII, else in hex.
    static func preview(_ buffer: ByteBuffer, limit: Int = 24) -> String {
        let bytes = buffer.getBytes(at: buffer.readerIndex, length: min(limit, buffer.readableBytes)) ?? []
        let more = buffer.readableBytes > limit ? "…" : ""
        if !bytes.isEmpty, bytes.allSatisfy({ (0x20..<0x7F).contains($0) || $0 == 0x0A || $0 == 0x0D }) {
            let text = bytes.map { $0 == 0x0D ? "\\r" : $0 == 0x0A ? "\\n" : String(UnicodeScalar($0)) }.joined()
            return "\"\(text)\(more)\""
        }
        return bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ") + more
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
