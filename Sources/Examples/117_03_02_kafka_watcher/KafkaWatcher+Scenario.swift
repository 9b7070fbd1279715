import Eventide
import EventideCLI
import Foundation
import Synchronization

/// Drives `KafkaWatcher.swift`: orders keyed by customer and one record that is not an order; the watcher stopped
/// while more orders arrive, then started again. Reads the group's committed and end offsets at each step, and
/// watches every commit as it happens (`CommitProbe`).
extension KafkaWatcher {
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

    /// When the offsets were read.
    enum Moment: String, Codable, Sendable {
        case afterFirstOrders = "after the first orders and a poison record"
        case whileStopped = "watcher stopped, more orders"
        case afterRestart = "watcher started again"
    }

    /// The group's position at one moment: committed offsets, end offsets, and the lag (end − committed).
    struct Offsets: Codable, Sendable, Hashable {
        let moment: Moment
        let committed: [Int: Int]
        let end: [Int: Int]
        var lag: Int { end.map { $0.value - (committed[$0.key] ?? 0) }.reduce(0, +) }
    }

    struct Outcome: Codable, Sendable {
        let service: String
        let trigger: String
        let records: [Record]
        let offsets: [Offsets]
        /// Every acknowledgement or rejection of a record, in the order they happened.
        let commits: [CommitProbe.Commit]
        /// Message ids of the records dead-lettered, and of the record that was not an order.
        let deadLetters: [String]
        let poisonRecord: String
        let duplicates: Int
        let runs: Int
        let runsSucceeded: Int
    }

    /// Three keys that the embedded partitioner (FNV-1a) and Kafka's (murmur2) both spread over three partitions.
    static let customers = ["globex", "umbrella", "stark"]

    static func run(
        _ configuration: Configuration, topics: any TopicService,
        database: EventideDatabase
    ) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let (topic, group) = (configuration.topic, configuration.group)
        let probe = CommitProbe()
        let trigger = topics.trigger(topic: topic, group: group)
        let orders = try orders(topic: topic, records: probe.observing(trigger))
        let dag = try fulfil(orders)
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [dag], assets: [orders])
        // Refused, not resumed: the offsets, lags and counts below are this run's.
        try await orchestrator.requireFreshStore()
        try await topics.createTopic(topic, partitions: configuration.partitions)
        let records = try await topics.endOffsets(topic).values.reduce(0, +)
        guard records == 0 else { throw ExampleError.topicNotEmpty(topic: topic, records: records) }
        let (scheduler, triggerer) = (orchestrator.scheduler, orchestrator.triggerer)
        probe.readers = CommitProbe.Readers(
            stored: { id in
                if try await scheduler.assetEvents(for: orders.key).contains(where: {
                    $0.source == .watcher(name: watcherName, messageId: id)
                }) {
                    return .assetEvent
                }
                let letters = try await triggerer.deadLetters.list(source: watcherName)
                return letters.contains { $0.messageId == id } ? .deadLetter : .nothing
            },
            committedOffset: { partition in try await topics.committedOffsets(group: group, topic: topic)[partition] })
        timeline.note(
            "topic \(topic) (\(configuration.partitions) partitions) on \(topics); \(watcherName) = \(trigger)")

        /// Orders `numbers`, customer by turns: the key pins each customer to one partition.
        @Sendable func produce(_ numbers: ClosedRange<Int>) async throws {
            for number in numbers {
                let customer = customers[(number - 1) % customers.count]
                _ = try await topics.produce(
                    topic, key: customer,
                    value: [
                        "order": .number(Double(number)),
                        "customer": .string(customer),
                    ],
                    headers: ["type": "order.placed"])
            }
        }
        @Sendable func position(_ moment: Moment) async throws -> Offsets {
            Offsets(
                moment: moment, committed: try await topics.committedOffsets(group: group, topic: topic),
                end: try await topics.endOffsets(topic))
        }
        let first = configuration.ordersBeforeStop, stopped = configuration.ordersWhileStopped
        let (offsets, status, poison) = try await orchestrator.withServices {
            _ = try await triggerer.waitFor(watcher: watcherName, state: .running)
            try await produce(1...first)
            let poison = try await topics.produce(
                topic, key: customers[0], value: .string("not an order"), headers: [:])
            _ = try await triggerer.waitFor(watcher: watcherName) { $0.eventsRecorded == first && $0.deadLettered == 1 }
            var offsets = [try await position(.afterFirstOrders)]
            timeline.note(
                "\(first) orders and 1 record that is not one: \(first) recorded, 1 dead-lettered; offsets "
                    + "committed after the store had the record: \(inOrder(probe.commits)); lag \(offsets[0].lag)")

            try await triggerer.stop(watcher: watcherName)
            _ = try await triggerer.waitFor(watcher: watcherName, state: .stopped)
            try await produce((first + 1)...(first + stopped))
            offsets.append(try await position(.whileStopped))
            timeline.note("watcher stopped; \(stopped) more orders produced: lag \(offsets[1].lag)")

            let before = probe.commits.count
            try await triggerer.start(watcher: watcherName)
            let status = try await triggerer.waitFor(watcher: watcherName) { $0.eventsRecorded == first + stopped }
            _ = try await scheduler.waitForFinishedRuns(of: dagId, count: first + stopped)
            offsets.append(try await position(.afterRestart))
            timeline.note(
                "watcher started again: \(status.eventsRecorded - first) more recorded, \(status.duplicates) "
                    + "seen twice; offsets committed after the store had the record: "
                    + "\(inOrder(probe.commits.dropFirst(before))); lag \(offsets[2].lag)")
            return (offsets, status, poison)
        }
        let recorded = try await scheduler.assetEvents(for: orders.key).map { event in
            Record(
                eventId: event.id, order: event.extra["order"]?.exactIntegerValue ?? 0,
                customer: event.extra["customer"]?.stringValue ?? "",
                partition: event.extra["partition"]?.exactIntegerValue ?? -1,
                offset: event.extra["offset"]?.exactIntegerValue ?? -1)
        }
        let runs = try await scheduler.runs(of: dagId)
        let outcome = Outcome(
            service: topics.description, trigger: trigger.description, records: recorded, offsets: offsets,
            commits: probe.commits,
            deadLetters: try await triggerer.deadLetters.list(source: watcherName).compactMap(\.messageId),
            poisonRecord: poison.description, duplicates: status.duplicates, runs: runs.count,
            runsSucceeded: runs.filter { $0.state == .success }.count)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// "k of n": the commits whose asset event or dead letter was stored first and whose offset then moved.
    static func inOrder(_ commits: some Collection<CommitProbe.Commit>) -> String {
        "\(commits.filter { $0.storedBefore != .nothing && $0.offsetCommittedAfter }.count) of \(commits.count)"
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let stored = outcome.commits.filter { $0.storedBefore != .nothing }.count
        let moved = outcome.commits.filter(\.offsetCommittedAfter).count
        return [
            "\(outcome.records.count) orders → \(outcome.records.count) asset events → \(outcome.runsSucceeded) of "
                + "\(outcome.runs) runs of \(dagId) succeeded; duplicates \(outcome.duplicates), dead-lettered "
                + "\(outcome.deadLetters.count)",
            "\(outcome.commits.count) offset commits: the record's asset event or dead letter was already stored for "
                + "\(stored), the committed offset had passed the record right after for \(moved)",
        ]
            + customers.map { customer in
                let mine = outcome.records.filter { $0.customer == customer }
                return
                    "\(customer): orders \(mine.map(\.order)) in partition(s) \(Set(mine.map(\.partition)).sorted()), "
                    + "offsets \(mine.map(\.offset)); one partition, in order: "
                    + "\(mine.map(\.order) == mine.map(\.order).sorted() && Set(mine.map(\.partition)).count == 1)"
            } + [
                "lag: " + outcome.offsets.map { "\($0.lag) (\($0.moment.rawValue))" }.joined(separator: ", ")
            ]
    }
}

/// Watches each record's acknowledgement (or rejection) as it happens: what the store held for the record just
/// before (its asset event, its dead letter, or nothing), and whether the group's committed offset had passed
/// the record just after. The measurement behind "offsets are committed after the asset events".
final class CommitProbe: Sendable {
    /// What the store held for a record when its offset was about to be committed.
    enum Stored: String, Codable, Sendable {
        case assetEvent
        case deadLetter
        case nothing
    }

    struct Commit: Codable, Sendable, Hashable {
        let messageId: String
        let storedBefore: Stored
        /// The group's committed offset of the record's partition was past the record right after.
        let offsetCommittedAfter: Bool
    }

    /// Reads the store and the group's offsets (set once the orchestrator exists).
    struct Readers: Sendable {
        let stored: @Sendable (String) async throws -> Stored
        let committedOffset: @Sendable (Int) async throws -> Int?
    }

    private let state = Mutex<(readers: Readers?, commits: [Commit])>((nil, []))

    var readers: Readers? {
        get { state.withLock { $0.readers } }
        set { state.withLock { $0.readers = newValue } }
    }
    var commits: [Commit] { state.withLock { $0.commits } }

    /// `records` with each acknowledgement and rejection observed around the commit it makes.
    func observing(_ records: any Trigger) -> any Trigger {
        MappedTrigger(records) { [self] event in
            var event = event
            let id = event.messageId ?? ""
            let (partition, offset) = (
                event.payload["partition"]?.exactIntegerValue, event.payload["offset"]?.exactIntegerValue
            )
            let acknowledge = event.acknowledge
            event.acknowledge = {
                try await self.observe(id, partition: partition, offset: offset) { try await acknowledge() }
            }
            if let reject = event.reject {
                event.reject = { reason in
                    try await self.observe(id, partition: partition, offset: offset) { try await reject(reason) }
                }
            }
            return event
        }
    }

    private func observe(
        _ id: String, partition: Int?, offset: Int?,
        _ commit: @Sendable () async throws -> Void
    ) async throws {
        guard let readers else { return try await commit() }
        let stored = try await readers.stored(id)
        try await commit()
        var passed = false
        if let partition, let offset, let committed = try await readers.committedOffset(partition) {
            passed = committed > offset
        }
        let entry = Commit(messageId: id, storedBefore: stored, offsetCommittedAfter: passed)
        state.withLock { $0.commits.append(entry) }
    }
}
