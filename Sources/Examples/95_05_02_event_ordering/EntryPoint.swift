import ArgumentParser
import Eventide
import EventideCLI
import EventideKafkaCLI

@main
struct EventOrderingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_05_02_event_ordering",
        abstract:
            "95.5.2 Event Ordering: sequence numbers per key, a persisted resequencing buffer, per-partition order.",
        discussion: """
            Balance changes of a few accounts are numbered per account in the order they happen, then sent out of \
            order (local swaps, duplicates, one change never sent) to a topic keyed by account, so each account \
            lives in one partition. A naive consumer applies what arrives; a resequencing one restores each \
            account's order with a buffer kept in the store, is restarted while the missing change holds events \
            in that buffer, and gives the gap up after --timeout-ms: --on-gap skip releases what waits behind it \
            with the gap reported, --on-gap dead-letter sends it to the dead-letter queue. The same events keyed \
            by event id show accounts spread over partitions. Runs on the embedded log; --kafka 127.0.0.1:19092 \
            runs it on the tansu broker (scripts/servers up tansu).

            A used --db or topic is refused, not resumed: a --db that holds applied events from an earlier run, or \
            a topic that already holds records, stops the example with a message saying so. Pass a new --db (or \
            none) and, on Kafka, a new --topic and --group.
            """)

    @OptionGroup var options: ExampleOptions
    @OptionGroup var topics: TopicOptions
    @Option(help: "The topic's name (the contrast topic is <topic>.by-event).") var topic = "ledger"
    @Option(help: "The consumer group.") var group = "ledger-consumer"
    @Option(help: "Partitions of the topic (1…32).") var partitions = 3
    @Option(help: "Accounts (1…50).") var accounts = 6
    @Option(help: "Changes per account (3…50).") var events = 5
    @Option(help: "Records sent twice (0…100).") var duplicates = 3
    @Option(help: "Seed for the balances, the disorder and the account that loses a change.") var seed: UInt64 = 7
    @Option(help: "Events that may wait per account (1…1000).") var capacity = 8
    @Option(help: "How long a gap is waited for, in milliseconds (10…60000).") var timeoutMs = 300
    @Option(help: "What happens when a gap is given up: skip or dead-letter.") var onGap = "skip"

    var gapAction: ResequencingPolicy.GapAction? {
        ResequencingPolicy.GapAction(rawValue: onGap.replacingOccurrences(of: "-", with: "_"))
    }

    func validate() throws {
        let ranges = [
            ("--partitions", partitions, 1...32), ("--accounts", accounts, 1...50), ("--events", events, 3...50),
            ("--duplicates", duplicates, 0...100), ("--capacity", capacity, 1...1_000),
            ("--timeout-ms", timeoutMs, 10...60_000),
        ]
        for (flag, value, range) in ranges where !range.contains(value) {
            throw ValidationError("\(flag) must be \(range.lowerBound)…\(range.upperBound), got \(value)")
        }
        guard gapAction != nil else { throw ValidationError("--on-gap must be skip or dead-letter, got '\(onGap)'") }
        for (flag, name) in [("--topic", topic), ("--group", group)] {
            guard (1...100).contains(name.count),
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
            else {
                throw ValidationError("\(flag) must be 1 to 100 letters, digits, '.', '_' or '-', got '\(name)'")
            }
        }
    }

    func run() async throws {
        let configuration = EventOrdering.Configuration(
            topic: topic, group: group, partitions: partitions, accounts: accounts, eventsPerAccount: events,
            duplicates: duplicates, seed: seed, capacity: capacity, timeout: .milliseconds(timeoutMs),
            onGap: gapAction ?? .skip)
        try await options.run(prefix: "event-ordering") { database in
            try await EventOrdering.run(
                configuration, topics: try topics.service(database: database), database: database)
        }
    }
}
