extension TriggerRegistry {
    /// A registry with the embedded defaults, so items run offline without a server:
    /// - `eventide://log/<topic>?group=<group>` reads a topic of the SQLite event log as a consumer group
    ///   (`LogTopicTrigger`), like a Kafka topic;
    /// - `eventide://queue/<name>?visibility=<s>&wait=<s>` receives from an embedded queue
    ///   (`EmbeddedQueueTrigger`), like an SQS queue: visibility timeout, redelivery, redrive to its DLQ.
    public static func embedded(log: EventLog, queues: EmbeddedQueue? = nil) -> TriggerRegistry {
        let queues = queues ?? EmbeddedQueue(database: log.database)
        return TriggerRegistry([
            Factory(scheme: "eventide") { uri in
                switch uri.host {
                case "log":
                    return LogTopicTrigger(
                        log: log, topic: try uri.singlePathSegment("topic"), group: try uri.required("group"))
                case "queue":
                    return EmbeddedQueueTrigger(
                        queues: queues, queue: try uri.singlePathSegment("queue"),
                        visibilityTimeout: try uri.integer("visibility", in: 0...43_200).map { .seconds($0) },
                        wait: .seconds(try uri.integer("wait", in: 0...20) ?? 20))
                default:
                    throw TriggerError.invalidURI(
                        uri.text,
                        reason:
                            "the embedded scheme has the forms eventide://log/<topic>?group=<group> and eventide://queue/<name>"
                    )
                }
            }
        ])
    }
}
