import Eventide
import EventideCLI
import Foundation

/// 117.3.2 — a Kafka topic feeds an asset: the watcher is a member of a consumer group, each record becomes an
/// asset event, and the group's offset is committed only after the asset event is. Records are keyed by customer,
/// so each customer's orders stay in one partition, in order. The watcher is stopped while orders keep coming
/// (the lag grows, the committed offsets stand still) and started again (it resumes at the committed offsets).
enum KafkaWatcher {
    static let item = "117.3.2"
    static let title = "Kafka Event Watcher"
    static let watcherName = "orders_kafka"
    static let dagId = "fulfil_order"

    struct Configuration: Sendable {
        var topic = "orders"
        var group = "orders-watcher"
        var partitions = 3
        var ordersBeforeStop = 6
        var ordersWhileStopped = 4
    }

    struct Record: Codable, Sendable, Hashable {
        let eventId: Int64
        let order: Int
        let customer: String
        let partition: Int
        let offset: Int
    }

    /// The group's position at one moment: committed offsets, end offsets, and the lag (end − committed).
    struct Offsets: Codable, Sendable, Hashable {
        let moment: String
        let committed: [Int: Int]
        let end: [Int: Int]
        var lag: Int { end.map { $0.value - (committed[$0.key] ?? 0) }.reduce(0, +) }
    }

    struct Outcome: Codable, Sendable {
        let service: String
        let trigger: String
        let records: [Record]
        let offsets: [Offsets]
        let deadLetters: [String]
        let duplicates: Int
        let runs: Int
        let runsSucceeded: Int
    }

    /// Three keys that the embedded partitioner (FNV-1a) and Kafka's (murmur2) both spread over three partitions.
    static let customers = ["globex", "umbrella", "stark"]

    static func run(_ configuration: Configuration, topics: any TopicService,
                    database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let (topic, group) = (configuration.topic, configuration.group)
        try await topics.createTopic(topic, partitions: configuration.partitions)
        guard try await topics.endOffsets(topic).values.allSatisfy({ $0 == 0 }) else {
            throw ExampleError("the topic \(topic) already holds records; the example starts from an empty topic: "
                + "pass another --topic name")
        }
        let trigger = topics.trigger(topic: topic, group: group)
        let watcher = AssetWatcher(name: watcherName, trigger: trigger, extract: { event in
            guard let order = event.payload["value"]?["order"]?.exactIntegerValue,
                  let customer = event.payload["value"]?["customer"]?.stringValue else {
                throw ExampleError("record \(event.messageId ?? "?") is not an order: \(event.payload["value"]?.jsonText ?? "no value")")
            }
            return ["order": .number(Double(order)), "customer": .string(customer),
                    "partition": event.payload["partition"] ?? .null, "offset": event.payload["offset"] ?? .null]
        }, restart: RetryPolicy(retries: 20, delay: .milliseconds(200)))
        let orders = try Asset(uri: "kafka://\(topic)", name: "orders_topic", watchers: [watcher])
        let dag = try DAG(dagId, schedule: .on([orders]), assetTriggering: .perEvent, tasks: [
            TaskDefinition("fulfil") { context in
                TaskOutput(value: context.triggeringEvents(of: orders).first?.extra["order"] ?? .null)
            }])
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [dag], assets: [orders])
        try await orchestrator.requireFreshStore()
        timeline.note("topic \(topic) (\(configuration.partitions) partitions) on \(topics); \(watcherName) = \(trigger)")

        /// Orders `numbers`, customer by turns: the key pins each customer to one partition.
        @Sendable func produce(_ numbers: ClosedRange<Int>) async throws {
            for number in numbers {
                let customer = customers[(number - 1) % customers.count]
                _ = try await topics.produce(topic, key: customer, value: ["order": .number(Double(number)), "customer": .string(customer)],
                                             headers: ["type": "order.placed"])
            }
        }
        let triggerer = orchestrator.triggerer
        let first = configuration.ordersBeforeStop, stopped = configuration.ordersWhileStopped
        let (offsets, status) = try await orchestrator.withServices {
            _ = try await triggerer.waitFor(watcher: watcherName, state: .running)
            try await produce(1...first)
            _ = try await topics.produce(topic, key: customers[0], value: .string("not an order"), headers: [:])
            _ = try await triggerer.waitFor(watcher: watcherName) { $0.eventsRecorded == first && $0.deadLettered == 1 }
            var offsets = [Offsets(moment: "after \(first) orders and a poison record",
                                   committed: try await topics.committedOffsets(group: group, topic: topic),
                                   end: try await topics.endOffsets(topic))]
            timeline.note("\(first) orders and 1 record that is not one: \(first) recorded, 1 dead-lettered; lag \(offsets[0].lag)")

            try await triggerer.stop(watcher: watcherName)
            _ = try await triggerer.waitFor(watcher: watcherName, state: .stopped)
            try await produce((first + 1)...(first + stopped))
            offsets.append(Offsets(moment: "watcher stopped, \(stopped) more orders",
                                   committed: try await topics.committedOffsets(group: group, topic: topic),
                                   end: try await topics.endOffsets(topic)))
            timeline.note("watcher stopped; \(stopped) more orders produced: lag \(offsets[1].lag)")

            try await triggerer.start(watcher: watcherName)
            let status = try await triggerer.waitFor(watcher: watcherName) { $0.eventsRecorded == first + stopped }
            _ = try await orchestrator.scheduler.waitForFinishedRuns(of: dagId, count: first + stopped)
            offsets.append(Offsets(moment: "watcher started again",
                                   committed: try await topics.committedOffsets(group: group, topic: topic),
                                   end: try await topics.endOffsets(topic)))
            timeline.note("watcher started again: \(status.eventsRecorded - first) more recorded, \(status.duplicates) seen twice; lag \(offsets[2].lag)")
            return (offsets, status)
        }
        let events = try await orchestrator.scheduler.assetEvents(for: orders.key)
        let records = events.map { event in
            Record(eventId: event.id, order: event.extra["order"]?.exactIntegerValue ?? 0,
                   customer: event.extra["customer"]?.stringValue ?? "",
                   partition: event.extra["partition"]?.exactIntegerValue ?? -1, offset: event.extra["offset"]?.exactIntegerValue ?? -1)
        }
        for customer in customers {
            let mine = records.filter { $0.customer == customer }
            timeline.note("\(customer): orders \(mine.map(\.order)) in partition \(Set(mine.map(\.partition)).sorted()), "
                + "offsets \(mine.map(\.offset))")
        }
        let runs = try await orchestrator.scheduler.runs(of: dagId)
        let outcome = Outcome(
            service: topics.description, trigger: trigger.description, records: records, offsets: offsets,
            deadLetters: try await triggerer.deadLetters.list(source: watcherName).map(\.reason),
            duplicates: status.duplicates, runs: runs.count, runsSucceeded: runs.filter { $0.state == .success }.count)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    static func proved(_ outcome: Outcome) -> [String] {
        [
            "\(outcome.records.count) orders → \(outcome.records.count) asset events → \(outcome.runsSucceeded) of "
                + "\(outcome.runs) runs of \(dagId) succeeded; duplicates \(outcome.duplicates), dead-lettered \(outcome.deadLetters.count)",
            "each customer's orders in one partition, in order: " + customers.map { customer in
                let mine = outcome.records.filter { $0.customer == customer }
                return "\(customer) \(mine.map(\.order) == mine.map(\.order).sorted() && Set(mine.map(\.partition)).count == 1)"
            }.joined(separator: ", "),
            "lag: " + outcome.offsets.map { "\($0.lag) (\($0.moment))" }.joined(separator: ", "),
        ]
    }
}
