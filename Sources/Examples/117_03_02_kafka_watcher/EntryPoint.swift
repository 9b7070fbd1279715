import ArgumentParser
import EventideCLI
import EventideKafkaCLI

@main
struct KafkaWatcherCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_03_02_kafka_watcher",
        abstract:
            "117.3.2 Kafka event watcher: a consumer-group member feeding an asset, committing offsets after the commit.",
        discussion: """
            Produces orders keyed by customer to a partitioned topic and a record that is not an order. The watcher \
            records each order as an asset event (one run of fulfil_order each), dead-letters the bad record, and \
            commits the group's offsets after the asset events (the example checks, at every commit, that the store \
            already had the record). It is stopped while more orders arrive (the lag grows) and started again (it \
            resumes at the committed offsets). Runs on the embedded log; --kafka 127.0.0.1:19092 runs it on the \
            tansu broker (scripts/servers up tansu).

            A reused --db or topic is refused, not resumed: the offsets and counts are this run's, so a --db an \
            earlier (or killed) run wrote to, or a topic that already holds records, stops the example with a \
            message saying so. Pass a new --db (or none) and, on Kafka, a new --topic and --group.
            """)

    @OptionGroup var options: ExampleOptions
    @OptionGroup var topics: TopicOptions
    @Option(help: "The topic's name.") var topic = "orders"
    @Option(help: "The consumer group.") var group = "orders-watcher"
    @Option(help: "Partitions of the topic.") var partitions = 3

    func validate() throws {
        guard (1...32).contains(partitions) else {
            throw ValidationError("--partitions must be between 1 and 32, got \(partitions)")
        }
        for (flag, name) in [("--topic", topic), ("--group", group)] {
            guard (1...100).contains(name.count),
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
            else {
                throw ValidationError("\(flag) must be 1 to 100 letters, digits, '.', '_' or '-', got '\(name)'")
            }
        }
    }

    func run() async throws {
        try await options.run(prefix: "kafka-watcher") { database in
            try await KafkaWatcher.run(
                .init(topic: topic, group: group, partitions: partitions),
                topics: try topics.service(database: database), database: database)
        }
    }
}
