import Eventide
import EventideCLI
import EventideSQSCLI
import Foundation
import Synchronization

/// Drives the watcher of `SQSFiltering.swift`: eight messages of several producers wait on one queue when the
/// watcher starts; each decision (kept, skipped and why, refused) is recorded when the watcher makes it.
extension SQSFiltering {
    static let item = "117.2.2"
    static let title = "SQS Message Filtering"

    struct Configuration: Sendable {
        var queue = "commerce-events"
        /// Filter policy on the message attributes, SNS syntax.
        var attributePolicy = SQSFiltering.defaultAttributePolicy
        /// Filter policy on the JSON body, SNS syntax.
        var bodyPolicy = SQSFiltering.defaultBodyPolicy
    }

    /// A message the example sends.
    struct Message: Codable, Sendable, Hashable {
        let label: String
        let body: String
        let attributes: [String: String]
    }

    /// What the watcher decided for one message, as it decided.
    struct Fate: Codable, Sendable, Hashable {
        let label: String
        let messageId: String
        let decision: Decision
    }

    struct Outcome: Codable, Sendable {
        let service: String
        let attributePolicy: String
        let bodyPolicy: String
        /// In the order the watcher decided.
        let fates: [Fate]
        /// Handler task states of the run each kept message made, by label.
        let handlers: [String: [String: TaskState]]
        /// Message ids in the runtime's dead-letter store, with their reason.
        let deadLetters: [String: String]
        let eventsSeen: Int
        let eventsRecorded: Int
        let filtered: Int
        let deadLettered: Int
        let restarts: Int
        let visibleAtEnd: Int
        let inFlightAtEnd: Int
        /// Messages in the queue's own dead-letter queue: where the watcher's rejection moved them.
        let inDeadLetterQueue: Int
    }

    /// One queue, many producers: orders, payments, internal audit records, a health ping, a test message.
    static let messages: [Message] = [
        Message(
            label: "eu order placed", body: #"{"order": 1, "amount": 25.5}"#,
            attributes: ["type": "order.placed", "region": "eu-west-1"]),
        Message(
            label: "us order placed", body: #"{"order": 2, "amount": 10}"#,
            attributes: ["type": "order.placed", "region": "us-east-1"]),
        Message(
            label: "eu payment", body: #"{"order": 1, "amount": 25.5}"#,
            attributes: ["type": "payment.captured", "region": "eu-central-1"]),
        Message(
            label: "internal audit", body: #"{"order": 1, "amount": 25.5}"#,
            attributes: ["type": "internal.audit", "region": "eu-west-1"]),
        Message(label: "health ping", body: "ping", attributes: ["type": "health", "region": "eu-west-1"]),
        Message(
            label: "zero-amount test order", body: #"{"order": 3, "amount": 0}"#,
            attributes: ["type": "order.placed", "region": "eu-west-1"]),
        Message(
            label: "eu order cancelled", body: #"{"order": 1, "amount": 25.5}"#,
            attributes: ["type": "order.cancelled", "region": "eu-west-1"]),
        Message(
            label: "eu refund (no handler)", body: #"{"order": 1, "amount": 5}"#,
            attributes: ["type": "refund.requested", "region": "eu-west-1"]),
    ]

    static func run(
        _ configuration: Configuration, service: any QueueService,
        database: EventideDatabase
    ) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let attributePolicy = try FilterPolicy(json: configuration.attributePolicy)
        let bodyPolicy = try FilterPolicy(json: configuration.bodyPolicy, scope: .messageBody)
        let (queue, dlq) = (configuration.queue, configuration.queue + "-dlq")
        let labels = Mutex<[String: String]>([:])
        let fates = Mutex<[Fate]>([])
        let asset = try commerceAsset(
            queue: queue, trigger: service.trigger(for: queue, visibilityTimeout: nil, wait: .seconds(1)),
            attributes: attributePolicy, body: bodyPolicy
        ) { event, decision in
            let id = event.messageId ?? ""
            let fate = Fate(label: labels.withLock { $0[id] } ?? id, messageId: id, decision: decision)
            fates.withLock { $0.append(fate) }
            timeline.note("\(fate.label): " + describe(decision))
        }
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [try handleCommerceEvents(asset)], assets: [asset])
        // Refuses, before touching any message, a store or a queue an earlier run used (the example does not resume).
        try await orchestrator.requireFreshStore()
        try await service.createQueue(dlq, QueueSettings())
        try await service.createQueue(
            queue, QueueSettings(visibilityTimeout: .seconds(5), deadLetterQueue: dlq, maxReceives: 3))
        try await service.requireEmptyQueue(queue)
        timeline.note(
            "queue \(try await service.queueURL(queue)) on \(service); watcher filters: \(attributePolicy), then \(bodyPolicy)"
        )
        timeline.note(
            "\(dagId): one handler task per type (\(handledTypes.joined(separator: ", "))); other types are dead-lettered"
        )

        // The producers send before the watcher starts: every message id is known before the watcher decides.
        for message in messages {
            let id = try await service.send(queue, body: message.body, attributes: message.attributes)
            labels.withLock { $0[id] = message.label }
        }
        timeline.note("\(messages.count) messages sent by several producers; starting the watcher")

        let scheduler = orchestrator.scheduler
        let status = try await orchestrator.withServices {
            let status = try await orchestrator.triggerer.waitFor(watcher: watcherName) {
                $0.eventsRecorded + $0.filtered + $0.deadLettered >= messages.count
            }
            try await scheduler.waitUntilRunsFinished([dagId])
            return status
        }
        let decided = fates.withLock { $0 }

        // What the kept messages' runs did, read from the store once they finished.
        let runs = try await scheduler.runs(of: dagId)
        var handlers: [String: [String: TaskState]] = [:]
        for event in try await scheduler.assetEvents(for: asset.key) {
            guard case .watcher(_, let id?) = event.source, let label = labels.withLock({ $0[id] }),
                let run = runs.first(where: { $0.triggeringAssetEvents.contains { $0.id == event.id } })
            else { continue }
            handlers[label] = Dictionary(uniqueKeysWithValues: run.taskInstances.map { ($0.taskId, $0.state) })
        }
        if let last = runs.compactMap(\.endedAt).max() {
            timeline.note(
                "runs of \(dagId): "
                    + decided.compactMap { fate in
                        handlers[fate.label].map { states in
                            "\(fate.label) → "
                                + states.filter { $0.value == .success }.keys.sorted().joined(separator: ", ")
                                + " (\(states.values.filter { $0 == .skipped }.count) skipped)"
                        }
                    }.joined(separator: "; "), at: last)
        }
        let deadLetters = try await orchestrator.triggerer.deadLetters.list(source: watcherName)
        let (visible, inFlight) = try await service.counts(queue)
        let outcome = Outcome(
            service: service.description, attributePolicy: attributePolicy.policy.jsonText,
            bodyPolicy: bodyPolicy.policy.jsonText, fates: decided, handlers: handlers,
            deadLetters: Dictionary(
                deadLetters.compactMap { letter in letter.messageId.map { ($0, letter.reason) } },
                uniquingKeysWith: { first, _ in first }),
            eventsSeen: status.eventsSeen, eventsRecorded: status.eventsRecorded, filtered: status.filtered,
            deadLettered: status.deadLettered, restarts: status.restarts, visibleAtEnd: visible,
            inFlightAtEnd: inFlight,
            inDeadLetterQueue: try await service.counts(dlq).visible)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    static func describe(_ decision: Decision) -> String {
        switch decision {
        case .kept(let type): "kept (\(type))"
        case .skipped(let reason): "skipped by the \(reason.rawValue)"
        case .refused(let error): "refused: \(error)"
        }
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let kept = outcome.fates.filter { if case .kept = $0.decision { true } else { false } }
        let skipped = outcome.fates.filter { if case .skipped = $0.decision { true } else { false } }
        let refused = outcome.fates.filter { if case .refused = $0.decision { true } else { false } }
        return [
            "\(outcome.fates.count) decisions, one per message seen (\(outcome.eventsSeen)): \(kept.count) kept, "
                + "\(skipped.count) skipped, \(refused.count) refused (watcher counters: \(outcome.eventsRecorded) recorded, "
                + "\(outcome.filtered) filtered, \(outcome.deadLettered) dead-lettered)",
            "skip reasons, as the filter gave them: "
                + skipped.compactMap { fate in
                    if case .skipped(let reason) = fate.decision { "\(fate.label): \(reason.rawValue)" } else { nil }
                }.joined(separator: "; "),
            "each kept message ran exactly its type's handler: "
                + kept.compactMap { fate in
                    outcome.handlers[fate.label].map { states in
                        "\(fate.label) → "
                            + states.filter { $0.value == .success }.keys.sorted().joined(separator: ", ")
                    }
                }.joined(separator: "; "),
            "refused messages in the dead-letter store: \(refused.filter { outcome.deadLetters[$0.messageId] != nil }.count) "
                + "of \(refused.count); in the queue's DLQ: \(outcome.inDeadLetterQueue)",
            "skipped gracefully: the watcher restarted \(outcome.restarts) times; queue left with \(outcome.visibleAtEnd) ready, "
                + "\(outcome.inFlightAtEnd) in flight (skipped messages are acknowledged too)",
        ]
    }
}
