/// A queue's settings, as SQS's queue attributes: how long a received message stays invisible, and where it goes
/// after too many receives (the redrive policy). The same on every `QueueService`.
public struct QueueSettings: Sendable, Equatable {
    public var visibilityTimeout: Duration
    /// Where messages go after `maxReceives` receives without a delete; `nil`: they are retried forever.
    public var deadLetterQueue: String?
    public var maxReceives: Int?

    public init(visibilityTimeout: Duration = .seconds(30), deadLetterQueue: String? = nil, maxReceives: Int? = nil) {
        self.visibilityTimeout = visibilityTimeout
        self.deadLetterQueue = deadLetterQueue
        self.maxReceives = maxReceives
    }

    /// Equal, with the timeouts compared to the microsecond (they are stored as seconds in a REAL column).
    func matches(_ other: QueueSettings) -> Bool {
        abs(visibilityTimeout.inSeconds - other.visibilityTimeout.inSeconds) < 1e-6
            && deadLetterQueue == other.deadLetterQueue && maxReceives == other.maxReceives
    }
}
