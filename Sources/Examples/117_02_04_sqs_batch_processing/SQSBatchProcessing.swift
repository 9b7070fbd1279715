import Eventide

/// 117.2.4 — many small messages, fewer runs: a `BatchingTrigger` turns up to `batchSize` queue messages into one
/// trigger event (so one asset event and one run), emitted when the batch is full or when the window timer fires.
/// The run aggregates its batch; every member is deleted only after the batch's asset event is committed.
enum SQSBatchProcessing {
    // [START watcher]
    /// A watcher that turns up to `batchSize` messages of `messages` (a queue's trigger) into one asset event:
    /// the batch is emitted as soon as it is full, or when the window timer fires with a message waiting. The
    /// triggerer acknowledges the batch (deletes every member) only after its asset event is committed.
    static func batchWatcher(
        _ name: String, messages: any Trigger, batchSize: Int, window: Duration,
        clock: EventideClock = .system
    ) -> AssetWatcher {
        AssetWatcher(
            name: name, trigger: BatchingTrigger(messages, maxSize: batchSize, window: window, clock: clock),
            extract: clicks)
    }

    /// The asset event's `extra`: each member's clicks and the members' message ids. Without batching, a message
    /// is a batch of one. A member without integer clicks fails the batch: it is dead-lettered with the reason.
    static func clicks(_ event: TriggerEvent) throws(ClickError) -> [String: JSONValue] {
        let members = event.payload["messages"]?.arrayValue ?? [event.payload]
        let ids = event.payload["message_ids"]?.arrayValue ?? [.string(event.messageId ?? "")]
        var clicks: [JSONValue] = []
        for (index, member) in members.enumerated() {
            guard let count = member["body"]?["clicks"]?.exactIntegerValue else {
                throw .notAnInteger(messageId: ids.indices.contains(index) ? ids[index].stringValue ?? "" : "")
            }
            clicks.append(.number(Double(count)))
        }
        return ["clicks": .array(clicks), "message_ids": .array(ids)]
    }
    // [END watcher]

    // [START dag]
    /// One run per asset event, i.e. per batch (`.perEvent`): it adds up the batch's clicks.
    static func aggregate(_ dagId: String, on clicks: Asset) throws -> DAG {
        try DAG(
            dagId, schedule: .on([clicks]), assetTriggering: .perEvent,
            tasks: [
                TaskDefinition("aggregate") { context in
                    let counts = context.triggeringEvents(of: clicks).flatMap { $0.extra["clicks"]?.arrayValue ?? [] }
                        .compactMap(\.exactIntegerValue)
                    return TaskOutput(value: [
                        "size": .number(Double(counts.count)),
                        "total": .number(Double(counts.reduce(0, +))),
                        "clicks": .array(counts.map { .number(Double($0)) }),
                    ])
                }
            ])
    }
    // [END dag]
}

/// Why a message cannot be aggregated.
enum ClickError: Error, Equatable, CustomStringConvertible {
    /// The message body has no integer `clicks`.
    case notAnInteger(messageId: String)

    var description: String {
        switch self {
        case .notAnInteger(let messageId):
            "message \(messageId) has no integer 'clicks' in its body; send {\"clicks\": n}"
        }
    }
}
