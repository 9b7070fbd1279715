/// What went wrong with a call to the durable event log.
public enum LogError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownTopic(String)
    case invalidPartitionCount(topic: String, partitions: Int)
    case topicExistsWithOtherPartitionCount(topic: String, existing: Int, requested: Int)
    case partitionOutOfRange(topic: String, partition: Int, partitions: Int)
    case corruptRecord(topic: String, partition: Int, offset: Int, reason: String)

    public var description: String {
        switch self {
        case .unknownTopic(let topic):
            return "topic '\(topic)' does not exist; create it with EventLog.createTopic(\"\(topic)\", partitions:)."
        case .invalidPartitionCount(let topic, let partitions):
            return "topic '\(topic)' needs at least one partition, got \(partitions)."
        case .topicExistsWithOtherPartitionCount(let topic, let existing, let requested):
            return "topic '\(topic)' already exists with \(existing) partitions, not \(requested); "
                + "changing the count would move keys to other partitions and break their order."
        case .partitionOutOfRange(let topic, let partition, let partitions):
            return "partition \(partition) does not exist in topic '\(topic)' (it has partitions 0..<\(partitions))."
        case .corruptRecord(let topic, let partition, let offset, let reason):
            return "record \(topic)/\(partition)@\(offset) cannot be decoded: \(reason)."
        }
    }
}
