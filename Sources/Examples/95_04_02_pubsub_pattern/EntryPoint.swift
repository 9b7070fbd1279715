import ArgumentParser
import EventideCLI
import EventideKafkaCLI

@main
struct PubSubPatternCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_04_02_pubsub_pattern",
        abstract: "95.4.2 Pub/Sub Pattern: publisher DAGs, subscriber DAGs, topic-based routing, fan-out.",
        discussion: """
            Three publisher DAGs emit to <namespace>.orders.placed, .orders.cancelled and .payments.settled. Four \
            subscriptions (fulfilment on orders.placed, customer_email on orders.*, audit on #, ledger on \
            payments.*) each feed a subscriber DAG through their own consumer group. customer_email is slow \
            (--slow-ms per record); the example measures when each subscriber had handled all its records. Runs on \
            the embedded log; --kafka 127.0.0.1:19092 runs it on the tansu broker (scripts/servers up tansu).

            A reused --db or topic is refused, not resumed: the counts and timings are this run's. On Kafka pass a \
            new --namespace for each run (its topics keep their records).
            """)

    @OptionGroup var options: ExampleOptions
    @OptionGroup var topics: TopicOptions
    @Option(help: "Prefix of every topic and subscription.") var namespace = "shop"
    @Option(help: "Milliseconds customer_email takes per record (the slow subscriber).") var slowMs = 150
    @Option(help: "Orders placed (each fans out to three subscriptions).") var orders = 4

    func validate() throws {
        guard (1...50).contains(namespace.count),
            namespace.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-".contains($0)) })
        else {
            throw ValidationError("--namespace must be 1 to 50 letters, digits, '_' or '-', got '\(namespace)'")
        }
        guard (0...5_000).contains(slowMs) else { throw ValidationError("--slow-ms must be 0…5000, got \(slowMs)") }
        guard (1...100).contains(orders) else { throw ValidationError("--orders must be 1…100, got \(orders)") }
    }

    func run() async throws {
        try await options.run(prefix: "pubsub") { database in
            try await PubSubPattern.run(
                .init(namespace: namespace, slowPace: .milliseconds(slowMs), orders: orders),
                topics: try topics.service(database: database), database: database)
        }
    }
}
