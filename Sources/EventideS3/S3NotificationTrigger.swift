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
    public let receiver: SQSReceiver

    public init(client: SQSClient, queue: String, waitSeconds: Int = 20, visibilityTimeout: Int? = nil) {
        receiver = SQSReceiver(client: client, queue: queue, waitSeconds: waitSeconds,
                               visibilityTimeout: visibilityTimeout)
    }

    public var description: String { "S3NotificationTrigger(queue: \(receiver.queue))" }

    /// The watcher's `extract` for this trigger: the file arrival, or a typed error for undecodable messages.
    @Sendable public static func fileArrival(_ event: TriggerEvent) throws -> [String: JSONValue] {
        if let error = event.payload["error"]?.stringValue { throw S3Error.notAnEventNotification(reason: error) }
        return event.payload.objectValue ?? [:]
    }

    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let receiver = receiver
        let pending = Pending()
        return AsyncThrowingStream { () async throws -> TriggerEvent? in
            while true {
                if let event = await pending.pop() { return event }
                guard let message = try await receiver.next() else { return nil }
                let observedAt = Date()
                var reject: (@Sendable (String) async throws -> Void)?
                if try await receiver.hasDeadLetterQueue {
                    reject = { @Sendable reason in try await receiver.deadLetter(message, reason: reason) }
                }
                let notification: S3EventNotification
                do {
                    notification = try S3EventNotification.parse(message.body)
                } catch let error as S3Error {
                    let reason: String = if case .notAnEventNotification(let why) = error { why } else { "\(error)" }
                    return TriggerEvent(payload: ["undecodable": .string(message.body), "error": .string(reason)],
                                        messageId: message.messageId, observedAt: observedAt,
                                        deliveryCount: message.receiveCount,
                                        acknowledge: { try await receiver.delete(message) }, reject: reject)
                }
                guard case .records(let records) = notification, !records.isEmpty else {
                    try await receiver.delete(message)  // the test event S3 sends when notifications are configured
                    continue
                }
                // The message is deleted when its last record is acknowledged.
                let remaining = Countdown(records.count)
                let acknowledge: @Sendable () async throws -> Void = {
                    if await remaining.decrement() { try await receiver.delete(message) }
                }
                await pending.push(records.enumerated().map { index, record in
                    TriggerEvent(payload: record.fileArrival,
                                 messageId: record.sequencer.map { "\(record.bucket)/\(record.key)@\($0)" }
                                     ?? "\(message.messageId)#\(index)",
                                 occurredAt: record.eventTime, observedAt: observedAt,
                                 deliveryCount: message.receiveCount, acknowledge: acknowledge, reject: reject)
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
    public static func factory(credentials: AWSCredentials? = nil,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> TriggerRegistry.Factory {
        TriggerRegistry.Factory(scheme: "s3+sqs") { uri in
            let (client, queue) = try SQSClient.from(uri, credentials: credentials, environment: environment)
            return S3NotificationTrigger(client: client, queue: queue,
                                         waitSeconds: try uri.integer("wait", in: 0...20) ?? 20,
                                         visibilityTimeout: try uri.integer("visibility", in: 0...43_200))
        }
    }
}
