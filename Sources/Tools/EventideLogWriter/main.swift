import ArgumentParser
import Eventide
import Foundation

/// A child process for the crash test. `append` appends events one commit at a time and prints
/// `ack <partition> <offset> <event-id>` after each append has returned (committed); `consume` reads a topic
/// as a consumer-group member and prints `commit <partition> <next-offset> <event-id>` after each commit.
/// The test kills it with SIGKILL and checks that everything it acknowledged is still there.
@main
struct LogWriter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventide-log-writer",
        abstract: "Appends to, or consumes from, the durable event log, reporting each acknowledgement.")

    enum Mode: String, ExpressibleByArgument { case append, consume }

    @Argument(help: "append or consume") var mode: Mode
    @Option(help: "SQLite database path.") var db: String
    @Option(help: "Topic name.") var topic = "crash-test"
    @Option(help: "Partitions of the topic.") var partitions = 4
    @Option(help: "How many events to append or consume before exiting.") var count = 100_000
    @Option(help: "Consumer group (consume mode).") var group = "crash-group"
    @Option(help: "SQLite synchronous level of the store: FULL (the default) or NORMAL.") var durability = "FULL"

    func run() async throws {
        guard let level = EventideDatabase.Durability(rawValue: durability.uppercased()) else {
            throw ValidationError("--durability must be FULL or NORMAL, got \(durability.debugDescription)")
        }
        let log = EventLog(database: try EventideDatabase(path: db, durability: level))
        try await log.createTopic(topic, partitions: partitions)
        switch mode {
        case .append:
            for n in 0..<count {
                let event = try EventEnvelope(
                    id: "e-\(n)", type: "test.appended", source: "/eventide-log-writer",
                    data: ["n": .number(Double(n))])
                let result = try await log.append(event, to: topic, key: "k\(n % 16)")
                say("ack \(result.position.partition) \(result.position.offset) \(event.id)")
            }
        case .consume:
            let consumer = LogConsumer(log: log, group: group, topic: topic)
            var consumed = 0
            while consumed < count {
                let records = try await consumer.poll(limit: 10)
                if records.isEmpty { break }
                for record in records {
                    try await consumer.commit(record)
                    consumed += 1
                    say("commit \(record.position.partition) \(record.position.offset + 1) \(record.event.id)")
                }
            }
        }
    }

    /// Unbuffered: a line is on the pipe before the next append starts.
    func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
