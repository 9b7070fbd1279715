import ArgumentParser
import Eventide
import EventideKafka

/// The flag that moves a topic example from the embedded log (the default, offline) to a Kafka broker.
public struct TopicOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("kafka"),
        help: ArgumentHelp(
            "Run on a Kafka broker instead of the embedded log: host:port, e.g. 127.0.0.1:19092 (scripts/servers up tansu).",
            valueName: "host:port"))
    public var kafka: String?

    @Option(
        help:
            "The consumer group session timeout in milliseconds on Kafka (tansu answers a join after about half of it)."
    )
    public var sessionTimeoutMs = 2_000

    public init() {}

    public func validate() throws {
        if let kafka { _ = try Self.endpoint(kafka) }
        guard (1_000...300_000).contains(sessionTimeoutMs) else {
            throw ValidationError("--session-timeout-ms must be 1000…300000, got \(sessionTimeoutMs)")
        }
    }

    /// The embedded log in `database`, or Kafka as `--kafka` says.
    public func service(database: EventideDatabase) throws -> any TopicService {
        guard let kafka else { return EventLog(database: database) }
        let (host, port) = try Self.endpoint(kafka)
        return KafkaTopicService(
            configuration: KafkaConfiguration(host: host, port: port, clientId: "eventide-example"),
            sessionTimeout: .milliseconds(sessionTimeoutMs))
    }

    static func endpoint(_ text: String) throws -> (host: String, port: Int) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (1...65_535).contains(port) else {
            throw ValidationError("--kafka takes host:port, e.g. 127.0.0.1:19092, got '\(text)'")
        }
        return (String(parts[0]), port)
    }
}
