import Eventide
import EventideCLI
import Foundation

/// Drives `PubSubPattern.swift`: three publisher runs, four subscriptions, one slow; reads from the store which
/// record reached which subscriber DAG and when each subscriber had handled all of its records.
extension PubSubPattern {
    static let item = "95.4.2"
    static let title = "Pub/Sub Pattern"

    struct Configuration: Sendable {
        var namespace = "shop"
        /// What customer_email takes per record; the others take no time.
        var slowPace: Duration = .milliseconds(150)
        var orders = 4
    }

    static let slowSubscriber = "customer_email"

    /// One published record and the subscriber DAGs whose runs handled it.
    struct Delivery: Codable, Sendable, Hashable {
        let record: String
        let topic: String
        let type: String
        let order: Int
        let subscribers: [String]
    }

    struct SubscriberResult: Codable, Sendable, Hashable {
        let subscription: String
        let pattern: String
        let dagId: String
        let paceMilliseconds: Int
        /// The records its pattern matches, from what the publishers returned, sorted.
        let expected: [String]
        /// The records its runs handled, in the order the runs ran.
        let handled: [String]
        let runsSucceeded: Int
        /// When its last run ended, in milliseconds after the first publisher run started.
        let finishedAfterMilliseconds: Int
        /// Records published to its topics minus records it acknowledged, at the end.
        let lag: Int
    }

    struct Outcome: Codable, Sendable {
        let service: String
        /// Publisher DAG → the records its run published.
        let published: [String: [String]]
        let deliveries: [Delivery]
        let subscribers: [SubscriberResult]
        /// When the last of the fast subscribers had handled all its records.
        let fastFinishedAfterMilliseconds: Int
        /// How many records the slow subscriber had handled by then.
        let slowHandledWhenFastFinished: Int
    }

    static func run(
        _ configuration: Configuration, topics: any TopicService, database: EventideDatabase
    ) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let namespace = configuration.namespace
        let broker = TopicBroker(service: topics)
        let subscriptions = try await declare(on: broker, namespace: namespace)
        let publishers = try [
            ("checkout", "orders.placed", "order.placed"), ("cancellations", "orders.cancelled", "order.cancelled"),
            ("payments", "payments.settled", "payment.settled"),
        ].map { try publisher($0.0, topic: "\(namespace).\($0.1)", type: $0.2, broker: broker) }
        let inboxes = try subscriptions.map { try inbox($0, broker: broker) }
        let subscribers = try zip(subscriptions, inboxes).map { subscription, inbox in
            try subscriber(inbox, pace: subscription.name.hasSuffix(slowSubscriber) ? configuration.slowPace : .zero)
        }
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: publishers + subscribers, assets: inboxes)
        // Refused, not resumed: the counts and timings below are this run's.
        try await orchestrator.requireFreshStore()
        for topic in broker.topics {
            let records = try await topics.endOffsets(topic).values.reduce(0, +)
            guard records == 0 else { throw ExampleError.topicNotEmpty(topic: topic, records: records) }
        }
        let (scheduler, triggerer) = (orchestrator.scheduler, orchestrator.triggerer)
        timeline.note(
            "topics \(broker.topics.joined(separator: ", ")) on \(topics); subscriptions "
                + subscriptions.map { "\(short($0.name)) ← \($0.pattern)" }.joined(separator: ", "))

        let orders = (1...configuration.orders).map { n -> JSONValue in
            ["order": .number(Double(n)), "customer": .string(customers[(n - 1) % customers.count])]
        }
        let confs: [String: [JSONValue]] = [
            "checkout": orders, "cancellations": [["order": 2, "customer": .string(customers[1])]],
            "payments": [["order": 1, "customer": .string(customers[0]), "amount": 120]],
        ]
        let (published, runs, startedAt) = try await orchestrator.withServices {
            for subscription in subscriptions {
                _ = try await triggerer.waitFor(watcher: subscription.name, state: .running)
            }
            var published: [String: [String]] = [:]
            var startedAt: Date?
            for dag in publishers {
                let ref = try await scheduler.triggerRun(dag.dagId, conf: ["events": .array(confs[dag.dagId] ?? [])])
                let run = try await scheduler.waitForFinishedRuns(of: dag.dagId, count: 1).first { $0.ref == ref }
                startedAt = startedAt ?? run?.startedAt
                let records = run?.taskInstances.first?.returnValue?.arrayValue?.compactMap(\.stringValue) ?? []
                published[dag.dagId] = records
                timeline.note(
                    "publisher \(dag.dagId) → \(records.count) record(s) on \(namespace).\(topic(of: records))",
                    at: run?.endedAt ?? Date())
            }
            let all = published.values.flatMap { $0 }
            var runs: [String: [DagRun]] = [:]
            for (subscription, dag) in zip(subscriptions, subscribers) {
                let expected = all.filter { subscription.pattern.matches(topic(ofRecord: $0)) }.count
                runs[dag.dagId] = try await scheduler.waitForFinishedRuns(of: dag.dagId, count: expected)
            }
            return (published, runs, startedAt ?? Date())
        }
        let all = published.values.flatMap { $0 }.sorted()
        var results: [SubscriberResult] = []
        for (subscription, dag) in zip(subscriptions, subscribers) {
            let mine = (runs[dag.dagId] ?? []).sorted { ($0.endedAt ?? .distantPast) < ($1.endedAt ?? .distantPast) }
            let end = mine.compactMap(\.endedAt).max() ?? startedAt
            results.append(
                SubscriberResult(
                    subscription: short(subscription.name), pattern: subscription.pattern.text, dagId: dag.dagId,
                    paceMilliseconds: subscription.name.hasSuffix(slowSubscriber)
                        ? Int(configuration.slowPace.inMilliseconds) : 0,
                    expected: all.filter { subscription.pattern.matches(topic(ofRecord: $0)) },
                    handled: mine.compactMap { $0.triggeringAssetEvents.first?.extra["record"]?.stringValue },
                    runsSucceeded: mine.filter { $0.state == .success }.count,
                    finishedAfterMilliseconds: milliseconds(end, after: startedAt),
                    lag: try await broker.lag(of: subscription).map(\.lag).reduce(0, +)))
        }
        let deliveries = try await deliveries(of: all, runs: runs, subscribers: subscribers, scheduler: scheduler)
        for delivery in deliveries {
            timeline.note(
                "\(delivery.record) (\(delivery.type), order \(delivery.order)) → "
                    + delivery.subscribers.joined(separator: ", "))
        }
        let fast = results.filter { $0.paceMilliseconds == 0 }
        let fastDone = fast.map(\.finishedAfterMilliseconds).max() ?? 0
        let slowRuns = runs.first { $0.key.hasSuffix(slowSubscriber) }?.value ?? []
        let slowByThen = slowRuns.filter {
            milliseconds($0.endedAt ?? .distantFuture, after: startedAt) <= fastDone
        }.count
        for result in results {
            timeline.note(
                "\(result.dagId) (\(result.paceMilliseconds) ms per record) handled \(result.handled.count) of "
                    + "\(result.expected.count) record(s), done \(result.finishedAfterMilliseconds) ms after the "
                    + "first publish; lag \(result.lag)")
        }
        let outcome = Outcome(
            service: topics.description, published: published, deliveries: deliveries, subscribers: results,
            fastFinishedAfterMilliseconds: fastDone, slowHandledWhenFastFinished: slowByThen)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    static let customers = ["globex", "umbrella", "stark"]

    /// `shop.customer_email` → `customer_email`.
    static func short(_ name: String) -> String { name.split(separator: ".").last.map(String.init) ?? name }

    /// `shop.orders.placed/0@3` → `shop.orders.placed`.
    static func topic(ofRecord record: String) -> String {
        record.split(separator: "/").first.map(String.init) ?? record
    }

    /// The topic of a publisher's records, without the namespace.
    static func topic(of records: [String]) -> String {
        records.first.map { topic(ofRecord: $0).split(separator: ".").dropFirst().joined(separator: ".") } ?? "-"
    }

    static func milliseconds(_ date: Date, after start: Date) -> Int {
        Int((date.timeIntervalSince(start) * 1000).rounded())
    }

    /// For each published record, the subscriber DAGs that had a run triggered by it, with its type and order.
    static func deliveries(
        of records: [String], runs: [String: [DagRun]], subscribers: [DAG], scheduler: Scheduler
    ) async throws -> [Delivery] {
        var seen: [String: (type: String, order: Int, subscribers: [String])] = [:]
        for dag in subscribers {
            for run in runs[dag.dagId] ?? [] {
                for event in run.triggeringAssetEvents {
                    guard let record = event.extra["record"]?.stringValue else { continue }
                    var entry =
                        seen[record] ?? (
                            event.extra["type"]?.stringValue ?? "", event.extra["value"]?["order"]?.intValue ?? 0, []
                        )
                    entry.subscribers.append(short(event.asset.name))
                    seen[record] = entry
                }
            }
        }
        let order = subscribers.map { short($0.dagId.replacingOccurrences(of: "on_", with: "")) }
        return records.map { record in
            let entry = seen[record]
            return Delivery(
                record: record, topic: topic(ofRecord: record), type: entry?.type ?? "", order: entry?.order ?? 0,
                subscribers: (entry?.subscribers ?? []).sorted {
                    (order.firstIndex(of: $0) ?? 0) < (order.firstIndex(of: $1) ?? 0)
                })
        }
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let counts = outcome.published.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.count)" }
        let routed = outcome.subscribers.allSatisfy { $0.handled.sorted() == $0.expected }
        let placed = outcome.deliveries.filter { $0.type == "order.placed" }
        let slow = outcome.subscribers.first { $0.paceMilliseconds > 0 }
        let fast = outcome.subscribers.filter { $0.paceMilliseconds == 0 }
        return [
            "publisher DAGs (\(counts.joined(separator: ", ")) records) name a topic, never a subscriber",
            "topic routing: "
                + outcome.subscribers.map { "\($0.subscription) (\($0.pattern)) \($0.handled.count)" }.joined(
                    separator: ", ")
                + "; each handled exactly the records its pattern matches, each once: \(routed)",
            "fan-out: each of the \(placed.count) order.placed records reached "
                + "\(Set(placed.map(\.subscribers.count)).sorted().map(String.init).joined(separator: "/")) "
                + "subscriber DAGs (\(placed.first?.subscribers.joined(separator: ", ") ?? ""))",
            "a slow subscriber does not slow the others: \(fast.map(\.subscription).joined(separator: ", ")) done "
                + "\(outcome.fastFinishedAfterMilliseconds) ms after the first publish, when \(slow?.subscription ?? "-") "
                + "(\(slow?.paceMilliseconds ?? 0) ms per record) had handled \(outcome.slowHandledWhenFastFinished) "
                + "of \(slow?.expected.count ?? 0); it finished at \(slow?.finishedAfterMilliseconds ?? 0) ms",
            "lag at the end (published − acknowledged, per subscription): "
                + outcome.subscribers.map { "\($0.subscription) \($0.lag)" }.joined(separator: ", "),
        ]
    }
}
