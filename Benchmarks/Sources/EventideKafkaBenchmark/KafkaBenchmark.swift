import ArgumentParser
import EventideKafka
import Foundation

/// Produce and consume throughput of EventideKafka against a broker (tansu from `scripts/servers up tansu`),
/// next to confluent-kafka's (`scripts/kafka/bench.py`) on the same broker in the same run.
/// `swift run --package-path Benchmarks -c release eventide-kafka-benchmark [--count 50000] [--size 100]`
@main
struct KafkaBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventide-kafka-benchmark",
        abstract: "Kafka produce/consume messages/s: EventideKafka vs confluent-kafka")

    @Option(help: "Broker host.") var host = "127.0.0.1"
    @Option(help: "Broker port.") var port = 19092
    @Option(help: "Messages per run (at most 1,000,000).") var count = 50_000
    @Option(help: "Bytes per message value (at most 100,000).") var size = 100
    @Option(help: "Partitions of each benchmark topic.") var partitions = 1
    @Option(help: "Records per producer call.") var chunk = 5_000
    @Option(help: "Produce requests in flight (1 keeps partition order across retries).") var inFlight = 1
    @Option(help: "Seconds each phase may take before it is abandoned.") var timeout = 120.0
    @Flag(help: "Skip confluent-kafka.") var oursOnly = false

    struct Failure: Error, CustomStringConvertible { let description: String }

    func validate() throws {
        guard (1...1_000_000).contains(count), (1...100_000).contains(size), (1...64).contains(partitions), chunk >= 1
        else {
            throw ValidationError("count 1...1,000,000, size 1...100,000, partitions 1...64, chunk >= 1")
        }
    }

    func run() async throws {
        let configuration = KafkaConfiguration(
            host: host, port: port, clientId: "eventide-benchmark",
            reconnectDeadline: .seconds(5))
        let client = KafkaClient(configuration)
        let topic = "bench-eventide-\(UUID().uuidString.prefix(8).lowercased())"
        try await client.createTopic(topic, partitions: partitions)
        let value = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(timeout)

        // Produce: chunks of records, one call more than requests in flight, so the next batch is ready.
        let producer = KafkaProducer(client: client, maxBatchRecords: chunk, maxInFlight: inFlight)
        let produceStart = clock.now
        var produced = 0
        try await withThrowingTaskGroup(of: Int.self) { group in
            var next = 0
            func add() {
                let n = min(chunk, count - next)
                next += n
                group.addTask {
                    try await producer.send(
                        [ProducerRecord](repeating: ProducerRecord(topic: topic, value: value), count: n)
                    ).count
                }
            }
            for _ in 0..<(inFlight + 1) where next < count { add() }
            for try await sent in group {
                produced += sent
                if next < count && clock.now < deadline { add() }
            }
        }
        let produceSeconds = seconds(clock.now - produceStart)

        // Consume from the earliest offset in a fresh group, timed from the assignment (joining excluded:
        // tansu answers JoinGroup only after half the session timeout).
        let consumer = KafkaConsumer(
            client: client, group: "bench-\(UUID().uuidString.prefix(8))", topics: [topic],
            sessionTimeout: .seconds(6), fetchMaxWait: .milliseconds(100),
            fetchMaxBytes: 1024 * 1024)
        try await consumer.join()
        let consumeStart = clock.now
        var consumed = 0
        while consumed < produced && clock.now < consumeStart + .seconds(timeout) {
            consumed += try await consumer.poll().count
        }
        let consumeSeconds = seconds(clock.now - consumeStart)
        await consumer.close()
        await client.close()
        let ours = (produce: Double(produced) / produceSeconds, consume: Double(consumed) / max(consumeSeconds, 1e-9))
        print(
            "EventideKafka     produce: \(format(ours.produce)) msg/s (\(produced) × \(size) B, acks=all)   consume: \(format(ours.consume)) msg/s (\(consumed))"
        )
        guard produced == count, consumed == produced else {
            throw Failure(
                description:
                    "EventideKafka produced \(produced) and consumed \(consumed) of \(count) within the time limit")
        }
        if oursOnly { return }

        let theirs = try confluent(topic: "bench-confluent-\(UUID().uuidString.prefix(8).lowercased())")
        print(
            "confluent-kafka   produce: \(format(theirs.produce)) msg/s                        consume: \(format(theirs.consume)) msg/s"
        )
        print(
            String(
                format: "ratio (ours / confluent-kafka)   produce: %.2f   consume: %.2f   (goal ≥ 0.5)",
                ours.produce / theirs.produce, ours.consume / theirs.consume))
    }

    /// Runs the repository's `scripts/kafka/bench.py` (this file is Benchmarks/Sources/EventideKafkaBenchmark/…).
    func confluent(topic: String) throws -> (produce: Double, consume: Double) {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../scripts/kafka/bench.py").standardizedFileURL.path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", script, "--bootstrap", "\(host):\(port)", "--topic", topic,
            "--count", "\(count)", "--size", "\(size)", "--timeout", "\(timeout)",
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
            let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let produce = json["produce_per_s"] as? Double, let consume = json["consume_per_s"] as? Double
        else {
            throw Failure(
                description:
                    "scripts/kafka/bench.py failed (status \(process.terminationStatus)): \(String(decoding: data, as: UTF8.self))"
            )
        }
        return (produce, consume)
    }

    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    func format(_ rate: Double) -> String { String(Int(rate.rounded())) }
}
