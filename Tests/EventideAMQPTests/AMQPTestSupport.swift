import EventideAMQP
import EventideTesting
import Foundation

/// A broker answers on LocalServer.rabbitmq's port: the suites against it are enabled only then.
let rabbitmqIsRunning = LocalServer.rabbitmq.isRunning
let rabbitmqReason =
    "RabbitMQ is not running on 127.0.0.1:\(LocalServer.rabbitmq.port); start it with scripts/servers up rabbitmq"

let brokerConfiguration = AMQPConfiguration(port: Int(LocalServer.rabbitmq.port))

/// A name no other test (or earlier run) uses.
func uniqueName(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

/// Test queues delete themselves a minute after their last use, so failed runs leave nothing behind.
func testQueue(_ name: String) -> AMQPQueue { AMQPQueue(name).expires(milliseconds: 60_000) }

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    let seconds: Double
    var description: String { "\(what) did not happen within \(seconds) s" }
}

/// Runs `body`, failing with `TimedOut` if it takes longer than `seconds` (so a broken test fails, not hangs).
func within<T: Sendable>(_ seconds: Double, _ what: String, _ body: @escaping @Sendable () async throws -> T)
    async throws -> T
{
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TimedOut(what: what, seconds: seconds)
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw TimedOut(what: what, seconds: seconds) }
        return first
    }
}

/// The first `count` deliveries of `consumer`, within `seconds`.
func take(_ count: Int, from consumer: AMQPConsumer, within seconds: Double = 10) async throws -> [AMQPDelivery] {
    try await within(seconds, "receiving \(count) deliveries from \(consumer.queue)") {
        var deliveries: [AMQPDelivery] = []
        for try await delivery in consumer {
            deliveries.append(delivery)
            if deliveries.count == count { break }
        }
        return deliveries
    }
}
