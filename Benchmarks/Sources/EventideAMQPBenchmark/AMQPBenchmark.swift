import ArgumentParser
import EventideAMQP
import Foundation

/// Publish-with-confirms and consume-with-ack throughput against a local RabbitMQ
/// (`scripts/servers up rabbitmq`). Build in release mode:
/// `swift run --package-path Benchmarks -c release eventide-amqp-benchmark`.
@main
struct AMQPBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventide-amqp-benchmark",
        abstract:
            "Measures RabbitMQ publish-with-confirms and consume-with-manual-ack messages per second through rabbitmq-c."
    )

    @Option(help: "Broker port on 127.0.0.1.") var port = 5672
    @Option(help: "Messages published one confirm at a time.") var single = 2_000
    @Option(help: "Messages published in confirmed batches.") var batched = 20_000
    @Option(help: "Messages per confirmed batch.") var batchSize = 100
    @Option(help: "Consumer prefetch (basic.qos).") var prefetch: UInt16 = 200
    @Option(help: "Body size in bytes.") var bodySize = 256
    @Option(help: "Give up after this many seconds.") var timeLimit = 120.0

    func validate() throws {
        guard single >= 0, batched >= 0, batchSize > 0, bodySize >= 0, single + batched > 0 else {
            throw ValidationError(
                "counts must be non-negative, batch size positive, and at least one message published")
        }
    }

    func run() async throws {
        #if DEBUG
            print("eventide-amqp-benchmark (DEBUG build: numbers are not representative; use -c release)")
        #else
            print("eventide-amqp-benchmark (release build)")
        #endif
        let deadline = Date().addingTimeInterval(timeLimit)
        let connection = try await AMQPConnection.connect(AMQPConfiguration(port: port))
        let channel = try await connection.openChannel()
        let queue = "bench-\(UUID().uuidString.prefix(8).lowercased())"
        try await channel.declare(AMQPQueue(queue).expires(milliseconds: 60_000))
        try await channel.enableConfirms()
        let message = AMQPMessage(body: [UInt8](repeating: 0x61, count: bodySize))

        var start = Date()
        for _ in 0..<single {
            guard Date() < deadline else { throw ValidationError("time limit reached while publishing") }
            try await channel.publish(message, routingKey: queue)
        }
        report("publish, confirm each", count: single, since: start)

        start = Date()
        var sent = 0
        while sent < batched {
            guard Date() < deadline else { throw ValidationError("time limit reached while publishing") }
            let size = min(batchSize, batched - sent)
            try await channel.publish(batch: Array(repeating: message, count: size), routingKey: queue)
            sent += size
        }
        report("publish, confirm per \(batchSize)", count: batched, since: start)

        let total = single + batched
        let consumerChannel = try await connection.openChannel()
        start = Date()
        var received = 0
        for try await delivery in try await consumerChannel.consume(queue: queue, prefetch: prefetch) {
            try await delivery.ack()
            received += 1
            if received == total || Date() >= deadline { break }
        }
        report("consume + ack, prefetch \(prefetch)", count: received, since: start)
        guard received == total else {
            throw ValidationError("received \(received) of \(total) messages before the time limit")
        }
        try await consumerChannel.close()
        try await channel.delete(queue: queue)
        await connection.close()
    }

    func report(_ what: String, count: Int, since start: Date) {
        let seconds = Date().timeIntervalSince(start)
        let rate = seconds > 0 ? Double(count) / seconds : 0
        print(
            "  \(what.padding(toLength: 34, withPad: " ", startingAt: 0)) \(count) msgs in \(String(format: "%.2f", seconds)) s: \(Int(rate)) msgs/s"
        )
    }
}
