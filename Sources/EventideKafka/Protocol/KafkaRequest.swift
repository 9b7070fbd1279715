import NIOCore

/// One Kafka API at the version this client speaks: how to encode its request body and decode its response
/// body (the headers are the connection's job).
protocol KafkaRequest: Sendable {
    associatedtype Response: Sendable
    static var apiKey: Int16 { get }
    static var apiVersion: Int16 { get }
    /// The API's name for errors, e.g. "Fetch v4".
    static var name: String { get }
    func encode(into buffer: inout ByteBuffer)
    static func decode(_ reader: inout KafkaReader) throws(KafkaError) -> Response
}

/// A topic and one of its partitions.
public struct TopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let topic: String
    public let partition: Int32

    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)/\(partition)" }

    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}
