/// Why an example refused to run or could not finish, for the failures every example shares. Each item's own
/// domain failures are types of that item (e.g. `PaymentError.notAnInteger(field:)`), not strings.
public enum ExampleError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `--db` named a store that an earlier run filled; the narrative counts from an empty store.
    case storeNotEmpty(path: String, events: Int, runs: Int)
    /// The queue (on a long-lived server) holds messages from an earlier run.
    case queueNotEmpty(queue: String, messages: Int)
    /// The topic already holds records from an earlier run.
    case topicNotEmpty(topic: String, records: Int)

    public var description: String {
        switch self {
        case .storeNotEmpty(let path, let events, let runs):
            "the database \(path) already holds \(events) asset event(s) and \(runs) run(s) from an earlier run; "
                + "examples start from an empty store: pass --db a new file, or omit --db for a temporary one"
        case .queueNotEmpty(let queue, let messages):
            "the queue \(queue) already holds \(messages) message(s) from an earlier run, left where they are; "
                + "the example starts from an empty queue: drain or purge that queue first (or point --queue at an "
                + "empty one and deal with those messages later)"
        case .topicNotEmpty(let topic, let records):
            "the topic \(topic) already holds \(records) record(s); the example starts from an empty topic: "
                + "pass another --topic name"
        }
    }
}
