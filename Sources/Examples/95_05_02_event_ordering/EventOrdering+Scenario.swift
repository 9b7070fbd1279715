import Eventide
import EventideCLI
import Foundation

/// Drives `EventOrdering.swift`: accounts' balance changes numbered in order, sent out of order with duplicates
/// and one change never sent, over a keyed, partitioned topic (embedded log or Kafka); a naive consumer and a
/// resequencing one side by side; the resequencing consumer restarted while a gap holds events in its buffer.
extension EventOrdering {
    static let item = "95.5.2"
    static let title = "Event Ordering"

    struct Configuration: Sendable {
        var topic = "ledger"
        var group = "ledger-consumer"
        var partitions = 3
        var accounts = 6
        var eventsPerAccount = 5
        var duplicates = 3
        var seed: UInt64 = 7
        var capacity = 8
        var timeout: Duration = .milliseconds(300)
        var onGap: ResequencingPolicy.GapAction = .skip
        /// How long to wait for every record to come back from the topic.
        var consumeTimeout: Duration = .seconds(60)
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        /// The topic did not deliver every record sent in time.
        case recordsMissing(expected: Int, received: Int)
        /// `--db` names a store an earlier run applied events in.
        case storeNotEmpty(path: String, applied: Int)

        var description: String {
            switch self {
            case .recordsMissing(let expected, let received):
                "the topic delivered \(received) of the \(expected) records sent before the time ran out: is the "
                    + "broker up (scripts/servers up tansu) and the group free?"
            case .storeNotEmpty(let path, let applied):
                "the database \(path) already holds \(applied) applied event(s) from an earlier run; the example "
                    + "counts from an empty store: pass --db a new file, or omit --db for a temporary one"
            }
        }
    }

    struct AccountResult: Codable, Sendable, Hashable {
        let account: String
        let partition: Int
        /// Sequence numbers in the order they were sent (duplicates included, the dropped one absent).
        let sent: [Int]
        let naiveApplied: [Int]
        let resequencedApplied: [Int]
        let expectedBalance: Int
        let naiveBalance: Int?
        let resequencedBalance: Int?
        /// Applications of an event after a later one of the same account.
        var naiveOutOfOrder: Int {
            zip(naiveApplied, naiveApplied.indices).count { value, index in
                naiveApplied[..<index].contains { $0 > value }
            }
        }
        var resequencedInOrder: Bool {
            resequencedApplied == resequencedApplied.sorted()
                && Set(resequencedApplied).count == resequencedApplied.count
        }
    }

    struct RestartResult: Codable, Sendable, Hashable {
        let account: String
        let atSequence: Int
        let waitingBefore: [Int]
        let waitingAfterReload: [Int]
    }

    struct Outcome: Codable, Sendable {
        let backend: String
        let partitions: Int
        let onGap: ResequencingPolicy.GapAction
        let sentRecords: Int
        let droppedAccount: String
        let droppedSequence: Int
        /// Accounts whose records landed in more than one partition, keyed by account and keyed by event.
        let accountsSpreadKeyedByAccount: Int
        let accountsSpreadKeyedByEvent: Int
        let deliveries: Int
        let duplicatesDetected: Int
        let bufferedOnArrival: Int
        let restart: RestartResult
        let gaps: [SequenceGap]
        let deadLettered: [Int]
        /// The message ids of the resequencer's letters in the dead-letter queue (`<account>#<sequence>`).
        let deadLetterQueue: [String]
        let accounts: [AccountResult]
    }

    static func run(_ configuration: Configuration, topics: any TopicService, database: EventideDatabase) async throws
        -> ExampleReport<Outcome>
    {
        let timeline = Timeline()
        let applied = try await database.transaction { tx in
            try tx.execute(
                """
                CREATE TABLE IF NOT EXISTS applied(n INTEGER PRIMARY KEY AUTOINCREMENT, consumer TEXT NOT NULL,
                    account TEXT NOT NULL, sequence INTEGER NOT NULL, balance INTEGER)
                """)
            return try tx.integer("SELECT COUNT(*) FROM applied") ?? 0
        }
        guard applied == 0 else { throw ScenarioError.storeNotEmpty(path: database.path, applied: applied) }
        let byEvent = configuration.topic + ".by-event"
        for topic in [configuration.topic, byEvent] {
            try await topics.createTopic(topic, partitions: configuration.partitions)
            let records = try await topics.endOffsets(topic).values.reduce(0, +)
            guard records == 0 else { throw ExampleError.topicNotEmpty(topic: topic, records: records) }
        }

        // The changes, numbered in the order they happen; then sent out of order.
        var generator = SeededGenerator(seed: configuration.seed)
        let numbers = SequenceNumbers(database: database, scope: configuration.topic)
        let accounts = (1...configuration.accounts).map { "acct-\($0)" }
        var stamped: [SequencedEvent] = []
        var expected: [String: Int] = [:]
        for _ in 1...configuration.eventsPerAccount {
            for account in accounts {
                let balance = (expected[account] ?? 0) + Int.random(in: 1...20, using: &generator) * 10
                expected[account] = balance
                stamped.append(try await stamp(account: account, balance: balance, numbers))
            }
        }
        let dropped = accounts[Int.random(in: accounts.indices, using: &generator)]
        let droppedSequence = min(3, configuration.eventsPerAccount)
        let sendOrder = disorder(stamped, dropping: (dropped, droppedSequence), configuration, &generator)
        var partitionOf: [String: Set<Int>] = [:]
        var partitionByEvent: [String: Set<Int>] = [:]
        for event in sendOrder {
            partitionOf[event.key, default: []].insert(
                try await send(event, to: configuration.topic, on: topics).partition)
            let position = try await topics.produce(
                byEvent, key: "\(event.key)#\(event.sequence)", value: event.payload, headers: [:])
            partitionByEvent[event.key, default: []].insert(position.partition)
        }
        let spreadByAccount = partitionOf.values.count { $0.count > 1 }
        let spreadByEvent = partitionByEvent.values.count { $0.count > 1 }
        timeline.note(
            "\(stamped.count) changes of \(accounts.count) accounts numbered in order; sent out of order: "
                + "\(sendOrder.count) records with \(configuration.duplicates) duplicates, \(dropped) #\(droppedSequence) never sent"
        )
        timeline.note(
            "\(configuration.topic) (\(configuration.partitions) partitions, \(topics)) keyed by account: "
                + accounts.map {
                    "\($0) → p\(partitionOf[$0]?.sorted().map(String.init).joined(separator: "+") ?? "-")"
                }
                .joined(separator: ", ")
                + "; accounts in more than one partition: \(spreadByAccount) (keyed by event instead: \(spreadByEvent))"
        )

        // Consume: naive and resequenced side by side; restart the resequenced one at the dropped account's next event.
        let policy = try policy(
            capacity: configuration.capacity, timeout: configuration.timeout, onGap: configuration.onGap)
        var consumer = Consumer(
            resequencer: Resequencer(database: database, scope: configuration.topic, policy: policy),
            expected: sendOrder.count)
        var restart: RestartResult?
        let restartAt = (dropped, droppedSequence + 1)
        try await consumer.consume(
            topics.trigger(topic: configuration.topic, group: configuration.group), database,
            configuration.consumeTimeout
        ) { event in
            (event.key, event.sequence) == restartAt
        }
        if consumer.received.count < sendOrder.count {
            let waitingBefore = try await consumer.resequencer.state().keys[dropped]?.waiting.keys.sorted() ?? []
            let reopened = try EventideDatabase(path: database.path, durability: database.durability)
            consumer.resequencer = Resequencer(database: reopened, scope: configuration.topic, policy: policy)
            let waitingAfter = try await consumer.resequencer.state().keys[dropped]?.waiting.keys.sorted() ?? []
            restart = RestartResult(
                account: dropped, atSequence: restartAt.1, waitingBefore: waitingBefore,
                waitingAfterReload: waitingAfter)
            timeline.note(
                "resequencing consumer restarted on arrival of \(dropped) #\(restartAt.1): waiting "
                    + "\(waitingBefore) in its buffer → \(waitingAfter) after reopening the store")
            try await consumer.consume(
                topics.trigger(topic: configuration.topic, group: configuration.group), reopened,
                configuration.consumeTimeout
            ) { _ in false }
        }
        timeline.note(
            "consumed \(consumer.deliveries) deliveries: resequencer buffered \(consumer.buffered) that arrived early, "
                + "detected \(consumer.duplicates) duplicates (buffer capacity \(consumer.resequencer.policy.capacity) per account)"
        )

        // The gap never fills: wait out the timeout, then give it up as the policy says.
        if let deadline = try await consumer.resequencer.nextDeadline() {
            try await Task.sleep(for: .seconds(max(0, deadline.timeIntervalSince(consumer.resequencer.clock.date))))
        }
        let expired = try await giveUpGaps(consumer.resequencer)
        let gaps = expired.compactMap { if case .gap(let gap) = $0 { gap } else { nil } }
        let released = expired.compactMap { if case .released(let event) = $0 { event.sequence } else { nil } }
        let deadLettered = expired.compactMap {
            if case .deadLettered(let event, _) = $0 { event.sequence } else { nil }
        }
        let resequencer = consumer.resequencer
        let letters = try await resequencer.deadLetters.list(source: resequencer.deadLetterSource).compactMap(
            \.messageId)
        timeline.note(
            "after the \(Int(configuration.timeout.inMilliseconds)) ms timeout: "
                + gaps.map {
                    "gap \($0.key) \(render($0.missing)) given up (\($0.reason.rawValue))"
                }
                .joined(separator: ", ")
                + " → \(configuration.onGap.rawValue): released \(released), dead-lettered \(deadLettered)"
                + (letters.isEmpty ? "" : " (in the dead-letter queue as \(letters.joined(separator: ", ")))"))

        let results = try await accountResults(accounts, sendOrder, expected, partitionOf, database, timeline)
        let outcome = Outcome(
            backend: "\(topics)", partitions: configuration.partitions, onGap: configuration.onGap,
            sentRecords: sendOrder.count, droppedAccount: dropped, droppedSequence: droppedSequence,
            accountsSpreadKeyedByAccount: spreadByAccount, accountsSpreadKeyedByEvent: spreadByEvent,
            deliveries: consumer.deliveries, duplicatesDetected: consumer.duplicates,
            bufferedOnArrival: consumer.buffered,
            restart: restart
                ?? RestartResult(account: dropped, atSequence: restartAt.1, waitingBefore: [], waitingAfterReload: []),
            gaps: gaps, deadLettered: deadLettered, deadLetterQueue: letters, accounts: results)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// Local swaps (a record trades places with one up to 8 places later), `duplicates` re-sent records, and one change dropped.
    static func disorder(
        _ stamped: [SequencedEvent], dropping: (String, Int), _ configuration: Configuration,
        _ generator: inout SeededGenerator
    ) -> [SequencedEvent] {
        var order = stamped.filter { ($0.key, $0.sequence) != dropping }
        for index in order.indices.dropLast() where Bool.random(using: &generator) {
            order.swapAt(index, Int.random(in: (index + 1)...min(index + 8, order.count - 1), using: &generator))
        }
        for _ in 0..<configuration.duplicates {
            guard let index = order.indices.randomElement(using: &generator) else { break }
            order.insert(order[index], at: Int.random(in: (index + 1)...order.count, using: &generator))
        }
        return order
    }

    /// Reads the topic as one group member, applying each record naively and through the resequencer.
    struct Consumer {
        var resequencer: Resequencer
        let expected: Int
        var received: Set<String> = []
        var deliveries = 0, duplicates = 0, buffered = 0

        /// Until every record was received, or `stop` says so after a record.
        mutating func consume(
            _ trigger: any Trigger, _ database: EventideDatabase, _ limit: Duration,
            stop: (SequencedEvent) -> Bool
        ) async throws {
            let deadline = ContinuousClock.now + limit
            var events = try trigger.events().makeAsyncIterator()
            while received.count < expected {
                guard ContinuousClock.now < deadline, let delivery = try await events.next() else {
                    throw ScenarioError.recordsMissing(expected: expected, received: received.count)
                }
                let value = delivery.payload["value"] ?? .null
                guard let account = value["account"]?.stringValue, let sequence = value["sequence"]?.intValue else {
                    try await delivery.acknowledge()
                    continue
                }
                let event = SequencedEvent(key: account, sequence: sequence, payload: value)
                try await applyNaively(event, database)
                for output in try await applyInOrder(event, resequencer) {
                    if case .duplicate = output { duplicates += 1 }
                    if case .buffered = output { buffered += 1 }
                }
                try await delivery.acknowledge()
                deliveries += 1
                received.insert(
                    "\(delivery.payload["partition"]?.intValue ?? -1)@\(delivery.payload["offset"]?.intValue ?? -1)")
                if stop(event) { return }
            }
        }
    }

    static func accountResults(
        _ accounts: [String], _ sendOrder: [SequencedEvent], _ expected: [String: Int],
        _ partitions: [String: Set<Int>],
        _ database: EventideDatabase, _ timeline: Timeline
    ) async throws -> [AccountResult] {
        var results: [AccountResult] = []
        for account in accounts {
            let (naive, resequenced) = try await database.transaction { tx in
                (try Self.applied(tx, "naive", account), try Self.applied(tx, "resequenced", account))
            }
            let result = AccountResult(
                account: account, partition: partitions[account]?.min() ?? -1,
                sent: sendOrder.filter { $0.key == account }.map(\.sequence), naiveApplied: naive.map(\.0),
                resequencedApplied: resequenced.map(\.0), expectedBalance: expected[account] ?? 0,
                naiveBalance: naive.last?.1, resequencedBalance: resequenced.last?.1)
            results.append(result)
            timeline.note(
                "\(account) (p\(result.partition)): sent \(result.sent.map(String.init).joined(separator: " ")) → naive "
                    + "applied \(result.naiveApplied.map(String.init).joined(separator: " ")) (balance \(result.naiveBalance ?? 0)); "
                    + "resequenced \(result.resequencedApplied.map(String.init).joined(separator: " ")) "
                    + "(balance \(result.resequencedBalance ?? 0)); last change sets \(result.expectedBalance)")
        }
        return results
    }

    static func applied(_ tx: StoreTransaction, _ consumer: String, _ account: String) throws -> [(Int, Int)] {
        var rows: [(Int, Int)] = []
        let count =
            try tx.integer(
                "SELECT COUNT(*) FROM applied WHERE consumer = ? AND account = ?",
                arguments: [.string(consumer), .string(account)]) ?? 0
        for index in 0..<count {
            let arguments: [JSONValue] = [.string(consumer), .string(account), .number(Double(index))]
            let sequence = try tx.integer(
                "SELECT sequence FROM applied WHERE consumer = ? AND account = ? ORDER BY n LIMIT 1 OFFSET ?",
                arguments: arguments)
            let balance = try tx.integer(
                "SELECT balance FROM applied WHERE consumer = ? AND account = ? ORDER BY n LIMIT 1 OFFSET ?",
                arguments: arguments)
            if let sequence, let balance { rows.append((sequence, balance)) }
        }
        return rows
    }

    static func render(_ missing: ClosedRange<Int>) -> String {
        missing.count == 1 ? "#\(missing.lowerBound)" : "#\(missing.lowerBound)…\(missing.upperBound)"
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let wrongNaive = outcome.accounts.filter { $0.naiveBalance != $0.expectedBalance }
        let complete = outcome.accounts.filter { $0.account != outcome.droppedAccount }
        return [
            "naive: \(outcome.accounts.reduce(0) { $0 + $1.naiveOutOfOrder }) out-of-order and "
                + "\(outcome.accounts.reduce(0) { $0 + $1.naiveApplied.count - Set($1.naiveApplied).count }) duplicate applications; "
                + "\(wrongNaive.count) of \(outcome.accounts.count) accounts end on a balance other than their last change's",
            "resequenced: every account applied in order without duplicates: \(outcome.accounts.allSatisfy(\.resequencedInOrder)); "
                + "accounts without a gap end on their last change's balance: "
                + "\(complete.allSatisfy { $0.resequencedBalance == $0.expectedBalance }) (\(complete.count) accounts)",
            "gap \(outcome.droppedAccount) #\(outcome.droppedSequence) never filled: given up after the timeout "
                + "(\(outcome.gaps.count) gap(s)); \(outcome.onGap.rawValue) → dead letters \(outcome.deadLettered.count)",
            "restart in the middle: \(outcome.restart.waitingBefore.count) event(s) waiting before, "
                + "\(outcome.restart.waitingAfterReload.count) after reopening the store",
            "partitions: keyed by account, \(outcome.accountsSpreadKeyedByAccount) accounts span more than one partition; "
                + "keyed by event, \(outcome.accountsSpreadKeyedByEvent) of \(outcome.accounts.count) do",
        ]
    }
}
