import Eventide
import EventideCLI
import EventideSQSCLI
import Foundation

/// 117.2.2 — one queue carries several message types; the watcher keeps only what its asset is about. Filter
/// policies in SNS syntax decide, first on the message attributes, then on the JSON body: a message that fails
/// either is acknowledged (deleted) and counted as filtered — skipped, not an error. A message that passes but
/// has a type no handler knows is dead-lettered with the reason. Each recorded type runs its own handler task.
enum SQSFiltering {
    static let item = "117.2.2"
    static let title = "SQS Message Filtering"
    static let dagId = "handle_commerce_events"
    static let watcherName = "commerce_watcher"
    /// The types the DAG has a handler task for: `handle_<type with _ for .>`.
    static let handledTypes = ["order.placed", "order.cancelled", "payment.captured"]

    static let defaultAttributePolicy = #"{"type": [{"anything-but": {"prefix": "internal."}}], "region": [{"prefix": "eu-"}]}"#
    static let defaultBodyPolicy = #"{"amount": [{"numeric": [">", 0]}]}"#

    struct Configuration: Sendable {
        var queue = "commerce-events"
        var attributePolicy: FilterPolicy
        var bodyPolicy: FilterPolicy

        init(queue: String = "commerce-events",
             attributePolicy: FilterPolicy = try! FilterPolicy(json: SQSFiltering.defaultAttributePolicy),
             bodyPolicy: FilterPolicy = try! FilterPolicy(json: SQSFiltering.defaultBodyPolicy, scope: .messageBody)) {
            self.queue = queue
            self.attributePolicy = attributePolicy
            self.bodyPolicy = bodyPolicy
        }
    }

    /// A message the example sends.
    struct Message: Codable, Sendable, Hashable {
        let label: String
        let body: String
        let attributes: [String: String]
    }

    /// What the run did with one message.
    struct Fate: Codable, Sendable, Hashable {
        enum Kind: String, Codable, Sendable { case recorded, filtered, deadLettered = "dead-lettered" }
        let label: String
        let messageId: String
        let kind: Kind
        /// The policy that skipped it, the handler that ran, or the dead-letter reason.
        let detail: String
    }

    struct Outcome: Codable, Sendable {
        let service: String
        let attributePolicy: String
        let bodyPolicy: String
        let fates: [Fate]
        /// Handler task states per recorded message, by label.
        let handlers: [String: [String: TaskState]]
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
        Message(label: "eu order placed", body: #"{"order": 1, "amount": 25.5}"#,
                attributes: ["type": "order.placed", "region": "eu-west-1"]),
        Message(label: "us order placed", body: #"{"order": 2, "amount": 10}"#,
                attributes: ["type": "order.placed", "region": "us-east-1"]),
        Message(label: "eu payment", body: #"{"order": 1, "amount": 25.5}"#,
                attributes: ["type": "payment.captured", "region": "eu-central-1"]),
        Message(label: "internal audit", body: #"{"order": 1, "amount": 25.5}"#,
                attributes: ["type": "internal.audit", "region": "eu-west-1"]),
        Message(label: "health ping", body: "ping", attributes: ["type": "health", "region": "eu-west-1"]),
        Message(label: "zero-amount test order", body: #"{"order": 3, "amount": 0}"#,
                attributes: ["type": "order.placed", "region": "eu-west-1"]),
        Message(label: "eu order cancelled", body: #"{"order": 1, "amount": 25.5}"#,
                attributes: ["type": "order.cancelled", "region": "eu-west-1"]),
        Message(label: "eu refund (no handler)", body: #"{"order": 1, "amount": 5}"#,
                attributes: ["type": "refund.requested", "region": "eu-west-1"]),
    ]

    /// Why a message is skipped, or nil when both policies let it through.
    static func skipReason(_ event: TriggerEvent, attributes: FilterPolicy, body: FilterPolicy) -> String? {
        let values = (event.payload["attributes"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        if !attributes.matches(attributes: values, body: nil) { return "attribute policy" }
        if !body.matches(attributes: values, body: event.payload["body"]) {
            return event.payload["body"]?.objectValue == nil ? "body policy (body is not JSON)" : "body policy"
        }
        return nil
    }

    /// The asset event's extra; throws for a type no handler knows (the watcher dead-letters it).
    static func extract(_ event: TriggerEvent) throws -> [String: JSONValue] {
        let type = event.payload["attributes"]?["type"]?.stringValue ?? ""
        guard handledTypes.contains(type) else {
            throw ExampleError("no handler for message type '\(type)'; known: \(handledTypes.joined(separator: ", "))")
        }
        return ["type": .string(type), "body": event.payload["body"] ?? .null,
                "message_id": .string(event.messageId ?? "")]
    }

    static func handlerTask(_ type: String) -> String { "handle_" + type.replacingOccurrences(of: ".", with: "_") }

    static func run(_ configuration: Configuration, service: any QueueService,
                    database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let (queue, dlq) = (configuration.queue, configuration.queue + "-dlq")
        try await service.createQueue(dlq, QueueSettings())
        try await service.createQueue(queue, QueueSettings(visibilityTimeout: .seconds(5), deadLetterQueue: dlq, maxReceives: 3))
        try await service.requireEmptyQueue(queue)
        let (attributePolicy, bodyPolicy) = (configuration.attributePolicy, configuration.bodyPolicy)
        let watcher = AssetWatcher(
            name: watcherName, trigger: service.trigger(for: queue, visibilityTimeout: nil, wait: .seconds(1)),
            filter: { skipReason($0, attributes: attributePolicy, body: bodyPolicy) == nil }, extract: extract)
        let asset = try Asset(uri: "sqs://\(queue)", name: "commerce_events", watchers: [watcher])
        let tasks = handledTypes.map { type in
            TaskDefinition(handlerTask(type)) { context in
                let mine = context.triggeringEvents(of: asset).filter { $0.extra["type"]?.stringValue == type }
                guard !mine.isEmpty else { throw TaskSkipped("no \(type) event in this run") }
                return TaskOutput(value: .array(mine.map { $0.extra["body"] ?? .null }))
            }
        }
        let dag = try DAG(dagId, schedule: .on([asset]), assetTriggering: .perEvent, tasks: tasks)
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [dag], assets: [asset])
        try await orchestrator.requireFreshStore()
        timeline.note("queue \(try await service.queueURL(queue)) on \(service); watcher filters: \(attributePolicy), then \(bodyPolicy)")
        timeline.note("\(dagId): one handler task per type (\(handledTypes.joined(separator: ", "))); other types are dead-lettered")

        let scheduler = orchestrator.scheduler
        let (ids, status) = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: watcherName, state: .running)
            var ids: [String] = []
            for message in messages {
                ids.append(try await service.send(queue, body: message.body, attributes: message.attributes))
            }
            let status = try await orchestrator.triggerer.waitFor(watcher: watcherName) {
                $0.eventsSeen == messages.count && $0.eventsRecorded + $0.filtered + $0.deadLettered == messages.count
            }
            _ = try await scheduler.waitForFinishedRuns(of: dagId, count: status.eventsRecorded)
            return (ids, status)
        }
        let runs = try await scheduler.runs(of: dagId)
        let events = try await scheduler.assetEvents(for: asset.key)
        let deadLetters = try await orchestrator.triggerer.deadLetters.list(source: watcherName)
        let (visible, inFlight) = try await service.counts(queue)
        let inDeadLetterQueue = try await service.counts(dlq).visible

        var fates: [Fate] = [], handlers: [String: [String: TaskState]] = [:]
        for (message, id) in zip(messages, ids) {
            if let event = events.first(where: { $0.extra["message_id"]?.stringValue == id }) {
                let run = runs.first { $0.triggeringAssetEvents.contains { $0.id == event.id } }
                let states = Dictionary(uniqueKeysWithValues: (run?.taskInstances ?? []).map { ($0.taskId, $0.state) })
                handlers[message.label] = states
                let ran = states.filter { $0.value == .success }.keys.sorted().joined(separator: ", ")
                fates.append(Fate(label: message.label, messageId: id, kind: .recorded, detail: ran))
            } else if let dead = deadLetters.first(where: { $0.messageId == id }) {
                fates.append(Fate(label: message.label, messageId: id, kind: .deadLettered, detail: dead.reason))
            } else {
                let event = TriggerEvent(payload: ["body": (try? JSONValue.parse(message.body)) ?? .string(message.body),
                                                   "attributes": .object(message.attributes.mapValues(JSONValue.string))],
                                         messageId: id, acknowledge: {})
                fates.append(Fate(label: message.label, messageId: id, kind: .filtered,
                                  detail: skipReason(event, attributes: attributePolicy, body: bodyPolicy) ?? "?"))
            }
        }
        for fate in fates { timeline.note("\(fate.label): \(fate.kind.rawValue) — \(fate.detail)") }
        let outcome = Outcome(
            service: service.description, attributePolicy: attributePolicy.policy.jsonText,
            bodyPolicy: bodyPolicy.policy.jsonText, fates: fates, handlers: handlers, eventsSeen: status.eventsSeen,
            eventsRecorded: status.eventsRecorded, filtered: status.filtered, deadLettered: status.deadLettered,
            restarts: status.restarts, visibleAtEnd: visible, inFlightAtEnd: inFlight,
            inDeadLetterQueue: inDeadLetterQueue)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    static func proved(_ outcome: Outcome) -> [String] {
        let count = { (kind: Fate.Kind) in outcome.fates.filter { $0.kind == kind }.count }
        return [
            "\(outcome.fates.count) messages on one queue: \(count(.recorded)) recorded, \(count(.filtered)) filtered, "
                + "\(count(.deadLettered)) dead-lettered (watcher counters: \(outcome.eventsRecorded) recorded, "
                + "\(outcome.filtered) filtered, \(outcome.deadLettered) dead-lettered; in the queue's DLQ: \(outcome.inDeadLetterQueue))",
            "each recorded message ran exactly its type's handler: "
                + outcome.fates.filter { $0.kind == .recorded }.map { "\($0.label) → \($0.detail)" }.joined(separator: "; "),
            "skipped gracefully: the watcher restarted \(outcome.restarts) times; queue left with \(outcome.visibleAtEnd) ready, "
                + "\(outcome.inFlightAtEnd) in flight (skipped messages are acknowledged too)",
        ]
    }
}
