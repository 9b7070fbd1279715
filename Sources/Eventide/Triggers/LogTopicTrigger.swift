/// Fires for every record appended to a topic of the durable event log, as a member of a consumer group.
///
/// Acknowledging an event commits the group's offset past it, so a watcher that crashes before the asset
/// event is stored gets the record again (at-least-once); the message id (`topic/partition@offset`) lets
/// the watcher drop the redelivery.
public struct LogTopicTrigger: Trigger {
    public let log: EventLog
    public let topic: String
    public let group: String

    public init(log: EventLog, topic: String, group: String) {
        self.log = log
        self.topic = topic
        self.group = group
    }

    public var description: String { "LogTopicTrigger(topic: \(topic), group: \(group))" }

    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let consumer = LogConsumer(log: log, group: group, topic: topic)
        let buffer = RecordBuffer()
        return AsyncThrowingStream {
            if await buffer.isEmpty {
                let records = try await consumer.next(limit: 100)
                if records.isEmpty { return nil }  // cancelled
                await buffer.fill(records)
            }
            guard let record = await buffer.pop() else { return nil }
            return TriggerEvent(
                payload: [
                    "event": Self.json(record.event), "key": record.key.map(JSONValue.string) ?? .null,
                    "topic": .string(record.position.topic),
                    "partition": .number(Double(record.position.partition)),
                    "offset": .number(Double(record.position.offset)),
                ],
                messageId: record.position.description,
                occurredAt: record.event.time,
                acknowledge: { try await consumer.commit(record) })
        }
    }

    static func json(_ event: EventEnvelope) -> JSONValue {
        (try? JSONValue.parse(event.cloudEventJSON)) ?? .null
    }

    private actor RecordBuffer {
        var records: [LogRecord] = []
        var isEmpty: Bool { records.isEmpty }
        func fill(_ new: [LogRecord]) { records += new }
        func pop() -> LogRecord? { records.isEmpty ? nil : records.removeFirst() }
    }
}
