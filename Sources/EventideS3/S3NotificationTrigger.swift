import Eventide
import EventideAWS
import EventideSQS
import Foundation

/// Fires for every object event that S3 publishes to an SQS queue: the S3 file-arrival trigger.
///
/// Each record becomes one event whose payload is the file arrival (`S3EventRecord.fileArrival`: bucket,
/// decoded key, size, etag, event name). The queue message is deleted only after every record in it has been
/// acknowledged, i.e. committed as an asset event. S3's `s3:TestEvent` is deleted without firing. A message
/// that is not an S3 notification fires once with `{"undecodable": body, "error": reason}`, so that
/// `fileArrival(_:)` as the watcher's `extract` throws and the triggerer dead-letters it with the reason.
///
/// messageId: `bucket/key@sequencer` when S3 gives a sequencer (a notification S3 sends twice has the same
/// one), else the SQS message id and the record's index.
public struct S3NotificationTrigger: Trigger {
    /// The trigger of the notification queue: `SQSTrigger`, or any `QueueService`'s (the embedded queues).
    public let source: any Trigger

    public init(client: SQSClient, queue: String, waitSeconds: Int = 20, visibilityTimeout: Int? = nil) {
        source = SQSTrigger(
            client: client, queue: queue, waitSeconds: waitSeconds, visibilityTimeout: visibilityTimeout)
    }

    /// Reads the notifications from a queue trigger whose payload is `{"body": …}` (every `QueueService` trigger).
    public init(queueTrigger: any Trigger) { source = queueTrigger }

    public var description: String { "S3NotificationTrigger(\(source))" }

    /// The watcher's `extract` for this trigger: the file arrival, or a typed error for undecodable messages.
    @Sendable public static func fileArrival(_ event: TriggerEvent) throws -> [String: JSONValue] {
        if let error = event.payload["error"]?.stringValue { throw S3Error.notAnEventNotification(reason: error) }
        return event.payload.objectValue ?? [:]
    }

    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let messages = UnfoldingIterator(try source.events().makeAsyncIterator())
        let pending = Pending()
        return AsyncThrowingStream { () async throws -> TriggerEvent? in
            while true {
                if let event = await pending.pop() { return event }
                guard let message = try await messages.next() else { return nil }
                let observedAt = Date()
                let body = message.payload["body"]
                let text = body?.stringValue ?? body?.jsonText ?? ""
                let notification: S3EventNotification
                do throws(S3Error) {
                    notification = try S3EventNotification.parse(text)
                } catch {
                    let reason: String = if case .notAnEventNotification(let why) = error { why } else { "\(error)" }
                    return TriggerEvent(
                        payload: ["undecodable": .string(text), "error": .string(reason)],
                        messageId: message.messageId, observedAt: observedAt,
                        deliveryCount: message.deliveryCount,
                        acknowledge: message.acknowledge, reject: message.reject)
                }
                guard case .records(let records) = notification, !records.isEmpty else {
                    try await message.acknowledge()  // the test event S3 sends when notifications are configured
                    continue
                }
                // The message is deleted when its last record is acknowledged.
                let remaining = Countdown(records.count)
                let acknowledge: @Sendable () async throws -> Void = {
                    if await remaining.decrement() { try await message.acknowledge() }
                }
                await pending.push(
                    records.enumerated().map { index, record in
                        TriggerEvent(
                            payload: record.fileArrival,
                            messageId: record.sequencer.map { "\(record.bucket)/\(record.key)@\($0)" }
                                ?? "\(message.messageId ?? "?")#\(index)",
                            occurredAt: record.eventTime, observedAt: observedAt,
                            deliveryCount: message.deliveryCount, acknowledge: acknowledge, reject: message.reject)
                    })
            }
        }
    }

    private actor Pending {
        var events: [TriggerEvent] = []
        func push(_ new: [TriggerEvent]) { events += new }
        func pop() -> TriggerEvent? { events.isEmpty ? nil : events.removeFirst() }
    }

    private actor Countdown {
        var left: Int
        init(_ count: Int) { left = count }
        /// True once, when the count reaches zero.
        func decrement() -> Bool { left -= 1; return left == 0 }
    }
}

extension S3NotificationTrigger {
    /// The factory for `s3+sqs://host:port/queue?wait=&visibility=&region=`: the bucket's notification queue.
    public static func factory(
        credentials: AWSCredentials? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> TriggerRegistry.Factory {
        TriggerRegistry.Factory(scheme: "s3+sqs") { uri in
            let (client, queue) = try SQSClient.from(uri, credentials: credentials, environment: environment)
            return S3NotificationTrigger(
                client: client, queue: queue,
                waitSeconds: try uri.integer("wait", in: 0...20) ?? 20,
                visibilityTimeout: try uri.integer("visibility", in: 0...43_200))
        }
    }
}
