/// Where an example's queues live: the embedded SQLite queues (`EmbeddedQueue`, offline, the default) or a real
/// service (`SQSQueueService` in EventideSQS). Both keep SQS's contract — visibility timeout, receive counts,
/// a redrive policy to a dead-letter queue, message ids stable across redeliveries — so code written against this
/// protocol runs unchanged on either, and one flag moves it to the real server.
public protocol QueueService: Sendable, CustomStringConvertible {
    /// Creates the queue with `settings`; its dead-letter queue, if named, must exist already.
    func createQueue(_ name: String, _ settings: QueueSettings) async throws
    /// Sends a message; returns its message id.
    func send(_ queue: String, body: String, attributes: [String: String]) async throws -> String
    /// Up to `limit` messages, waiting up to `wait` for the first (long polling); each is invisible to other
    /// receivers for the visibility timeout (the queue's unless given).
    func receive(_ queue: String, limit: Int, visibilityTimeout: Duration?, wait: Duration) async throws
        -> [QueueMessage]
    /// Deletes a received message by its latest receipt; `false` when the receipt is stale (SQS does not say).
    @discardableResult
    func delete(_ queue: String, receipt: String) async throws -> Bool
    /// Where the queue is, for people and logs: `eventide://queue/<name>` or the SQS queue URL.
    func queueURL(_ queue: String) async throws -> String
    /// Messages ready to receive, and messages received but neither deleted nor visible again.
    func counts(_ queue: String) async throws -> (visible: Int, inFlight: Int)
    /// A trigger for an `AssetWatcher`: it delivers the queue's messages, deletes each when the watcher
    /// acknowledges it and, when the queue has a dead-letter queue, moves a rejected one there with the reason.
    func trigger(for queue: String, visibilityTimeout: Duration?, wait: Duration) -> any Trigger
}

extension EmbeddedQueue: QueueService {
    public var description: String {
        "embedded SQLite queues (\(database.path.split(separator: "/").last.map(String.init) ?? database.path))"
    }

    public func queueURL(_ queue: String) async throws -> String {
        _ = try await settings(of: queue)  // throws for a queue that does not exist, as SQS does
        return "eventide://queue/\(queue)"
    }

    public func trigger(for queue: String, visibilityTimeout: Duration?, wait: Duration) -> any Trigger {
        EmbeddedQueueTrigger(queues: self, queue: queue, visibilityTimeout: visibilityTimeout, wait: wait)
    }
}
