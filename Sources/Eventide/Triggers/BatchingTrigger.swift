import Foundation

/// Groups another trigger's events into batches, like Airflow's SQS trigger with `max_messages` or Lambda's
/// batch size and batching window: one `TriggerEvent` per batch, emitted as soon as it holds `maxSize` events,
/// or when the window timer fires (every `window`) with at least one event waiting; when the source ends or fails,
/// the events waiting are emitted first. The batching is `Batcher`'s (Sources/Eventide/Batching).
///
/// - payload: `{"messages": [each payload], "message_ids": [...], "count": n}`
/// - messageId: `batch:` and the members' ids, so the same batch delivered again is a duplicate. A member
///   redelivered in a *different* batch is not: batching moves per-message deduplication to the consumer.
/// - acknowledge: acknowledges every member, in order (after the batch's asset event is committed).
/// - reject: rejects every member with the reason (members whose source has no dead-letter destination are
///   acknowledged: the runtime's dead-letter queue holds the batch).
public struct BatchingTrigger: Trigger {
    public let source: any Trigger
    public let maxSize: Int
    public let window: Duration
    /// The window timer ticks on it.
    public let clock: EventideClock

    public init(_ source: any Trigger, maxSize: Int, window: Duration, clock: EventideClock = .system) {
        self.source = source
        self.maxSize = max(1, maxSize)
        self.window = window > .zero ? window : .milliseconds(1)
        self.clock = clock
    }

    public var description: String { "BatchingTrigger(\(source), up to \(maxSize) per \(window))" }

    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let batcher = Batcher<TriggerEvent>(BatchLimits(maxCount: maxSize, window: window), clock: clock)
        let batches = UnfoldingIterator(batcher.batches(of: try source.events()).makeAsyncIterator())
        return AsyncThrowingStream { try await batches.next().map { Self.combine($0.elements) } }
    }

    /// One event standing for `members`.
    public static func combine(_ members: [TriggerEvent]) -> TriggerEvent {
        let ids = members.map { $0.messageId ?? "" }
        return TriggerEvent(
            payload: [
                "messages": .array(members.map(\.payload)), "message_ids": .array(ids.map(JSONValue.string)),
                "count": .number(Double(members.count)),
            ],
            messageId: "batch:" + ids.joined(separator: ","),
            occurredAt: members.compactMap(\.occurredAt).min(), observedAt: members.compactMap(\.observedAt).max(),
            deliveryCount: members.compactMap(\.deliveryCount).max(),
            acknowledge: { for member in members { try await member.acknowledge() } },
            reject: { reason in
                for member in members {
                    if let reject = member.reject { try await reject(reason) } else { try await member.acknowledge() }
                }
            })
    }
}
