import Eventide
import EventideCLI
import EventideSQSCLI
import Foundation

/// 117.2.5 — failed messages go to the queue's dead-letter queue, by two roads: the watcher rejects a payment it
/// cannot read (with the reason), and the queue's redrive policy moves a message a crashing worker received too
/// often. A second watcher turns every dead letter into an asset event, so a DAG reprocesses them: it repairs
/// what it can and sends it back to the queue, parks the rest, and raises an alert when dead letters pile up.
enum SQSDeadLetterQueue {
    static let item = "117.2.5"
    static let title = "SQS Dead Letter Queue Handling"
    static let mainWatcher = "payments_watcher"
    static let dlqWatcher = "payments_dlq_watcher"
    static let reprocessDag = "reprocess_dead_letters"

    struct Configuration: Sendable {
        var queue = "payments"
        /// Receives before the queue's redrive policy moves a message to the DLQ.
        var maxReceives = 2
        /// Dead letters within `alertWindow` that raise an alert.
        var alertThreshold = 3
        var alertWindow: Duration = .seconds(60)
    }

    struct Payment: Codable, Sendable, Hashable {
        let label: String
        let body: String
    }

    /// What happened to one payment the example sent.
    struct Fate: Codable, Sendable, Hashable {
        let label: String
        /// `recorded`, `recorded after repair`, `recorded after redrive`, `parked`.
        let fate: String
        /// Why it was dead-lettered (nil for one recorded at once).
        let deadLetterReason: String?
    }

    struct Alert: Codable, Sendable, Hashable {
        let deadLetters: Int
        let threshold: Int
        let windowSeconds: Double
    }

    struct Outcome: Codable, Sendable {
        let service: String
        let fates: [Fate]
        let deadLettersSeen: Int
        let reprocessRuns: Int
        let redriven: Int
        let parked: [String]
        let alerts: [Alert]
        let mainRecorded: Int
        let mainDeadLettered: Int
        let mainRestarts: Int
        let queueLeft: Int
        let deadLetterQueueLeft: Int
    }

    static let payments: [Payment] = [
        Payment(label: "retried by a crashing worker", body: #"{"payment": 5, "amount": 7.25, "currency": "EUR"}"#),
        Payment(label: "valid", body: #"{"payment": 1, "amount": 20.0, "currency": "EUR"}"#),
        Payment(label: "amount as text", body: #"{"payment": 2, "amount": "12.50", "currency": "EUR"}"#),
        Payment(label: "lowercase currency", body: #"{"payment": 3, "amount": 9.99, "currency": "usd"}"#),
        Payment(label: "garbage", body: "%%% not a payment %%%"),
        Payment(label: "valid too", body: #"{"payment": 6, "amount": 3.0, "currency": "GBP"}"#),
    ]

    /// The payment in a message body, or why it is not one.
    static func validate(_ body: JSONValue?) throws -> [String: JSONValue] {
        guard let object = body?.objectValue else { throw ExampleError("body is not a JSON object") }
        guard let payment = object["payment"]?.exactIntegerValue else { throw ExampleError("'payment' is not an integer") }
        guard let amount = object["amount"]?.doubleValue, amount > 0 else { throw ExampleError("'amount' is not a positive number") }
        guard let currency = object["currency"]?.stringValue, currency.count == 3, currency == currency.uppercased() else {
            throw ExampleError("'currency' is not an ISO 4217 code")
        }
        return ["payment": .number(Double(payment)), "amount": .number(amount), "currency": .string(currency)]
    }

    /// A repaired body for a dead letter that only has a known, fixable defect; nil when it cannot be repaired.
    static func repair(_ body: JSONValue?) -> JSONValue? {
        guard var object = body?.objectValue else { return nil }
        if let text = object["amount"]?.stringValue, let amount = Double(text) { object["amount"] = .number(amount) }
        if let currency = object["currency"]?.stringValue, currency.count == 3 { object["currency"] = .string(currency.uppercased()) }
        return (try? validate(.object(object))) == nil ? nil : .object(object)
    }

    static func run(_ configuration: Configuration, service: any QueueService,
                    database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let (queue, dlq) = (configuration.queue, configuration.queue + "-dlq")
        try await service.createQueue(dlq, QueueSettings())
        try await service.createQueue(queue, QueueSettings(visibilityTimeout: .seconds(1), deadLetterQueue: dlq,
                                                           maxReceives: configuration.maxReceives))
        try await service.requireEmptyQueue(queue)
        try await service.requireEmptyQueue(dlq)
        timeline.note("\(try await service.queueURL(queue)) on \(service): redrive to \(dlq) after "
            + "\(configuration.maxReceives) receives")

        // A worker outside the watcher receives the first payment and crashes before deleting it, every time.
        let crashing = payments[0]
        _ = try await service.send(queue, body: crashing.body, attributes: ["kind": "payment"])
        for attempt in 1...configuration.maxReceives {
            let taken = try await service.receive(queue, limit: 1, visibilityTimeout: .zero, wait: .seconds(2))
            guard !taken.isEmpty else { throw ExampleError("the crashing worker got nothing on attempt \(attempt)") }
        }
        timeline.note("a crashing worker received '\(crashing.label)' \(configuration.maxReceives) times without deleting it")

        let mainAsset = try Asset(uri: "sqs://\(queue)", name: "payments", watchers: [
            AssetWatcher(name: mainWatcher, trigger: service.trigger(for: queue, visibilityTimeout: nil, wait: .milliseconds(200)),
                         extract: { event in try validate(event.payload["body"]).merging(
                             ["message_id": .string(event.messageId ?? ""),
                              "attributes": event.payload["attributes"] ?? [:]]) { own, _ in own } })])
        let dlqAsset = try Asset(uri: "sqs://\(dlq)", name: "payments_dead_letters", watchers: [
            AssetWatcher(name: dlqWatcher, trigger: service.trigger(for: dlq, visibilityTimeout: nil, wait: .milliseconds(200)))])
        let alerts = try Asset(uri: "alerts://payments-dlq", name: "payments_dlq_alerts")
        let book = try DAG("book_payments", schedule: .on([mainAsset]), assetTriggering: .perEvent, tasks: [
            TaskDefinition("book") { context in TaskOutput(value: context.triggeringEvents(of: mainAsset).first?.extra["payment"] ?? .null) }])
        let (threshold, window) = (configuration.alertThreshold, configuration.alertWindow)
        // One run at a time: the alert task checks "already alerted in this window" and then publishes, which two
        // concurrent runs would both pass (the check-then-act race a test caught with threshold 1).
        let reprocess = try DAG(reprocessDag, schedule: .on([dlqAsset]), maxActiveRuns: 1, tasks: [
            TaskDefinition("triage_and_redrive") { context in
                var redriven: [JSONValue] = [], parked: [JSONValue] = []
                for letter in context.triggeringEvents(of: dlqAsset) {
                    let payload = letter.extra["payload"] ?? .null
                    let body = payload["body"]
                    let attributes = (payload["attributes"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
                    let reason = attributes["eventide-dlq-reason"] ?? "received \(configuration.maxReceives) times without a delete"
                    // A body the watcher accepts as is was only unlucky (a crashing worker): send it back unchanged.
                    let fixed = (try? validate(body)) != nil ? body : repair(body)
                    if let fixed {
                        _ = try await service.send(queue, body: fixed.jsonText, attributes: [
                            "kind": "payment", "redriven-after": String(reason.prefix(200))])
                        redriven.append(fixed)
                    } else {
                        parked.append(["body": body ?? .null, "reason": .string(reason)])
                    }
                }
                return TaskOutput(value: ["redriven": .array(redriven), "parked": .array(parked)])
            },
            TaskDefinition("alert_on_accumulation", upstream: ["triage_and_redrive"], outlets: [alerts]) { context in
                let since = Date().addingTimeInterval(-window.inSeconds)
                let recent = try await context.inletEvents(dlqAsset).filter { $0.timestamp >= since }.count
                let raised = try await context.inletEvents(alerts).contains { $0.timestamp >= since }
                guard recent >= threshold, !raised else {
                    throw TaskSkipped(raised ? "already alerted in this window" : "\(recent) dead letter(s) in the window, below \(threshold)")
                }
                return TaskOutput(outletExtra: [alerts.key: ["dead_letters": .number(Double(recent)),
                                                             "threshold": .number(Double(threshold)),
                                                             "window_seconds": .number(window.inSeconds)]])
            },
        ])
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [book, reprocess], assets: [mainAsset, dlqAsset, alerts])
        try await orchestrator.requireFreshStore()
        let scheduler = orchestrator.scheduler
        timeline.note("\(mainWatcher) validates payments (a bad one is rejected into \(dlq) with the reason); "
            + "\(dlqWatcher) turns each dead letter into an asset event for \(reprocessDag)")

        let valid = payments.count - 1  // all but the garbage end up booked
        let (mainStatus, dlqStatus) = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: mainWatcher, state: .running)
            _ = try await orchestrator.triggerer.waitFor(watcher: dlqWatcher, state: .running)
            for payment in payments.dropFirst() {
                _ = try await service.send(queue, body: payment.body, attributes: ["kind": "payment"])
            }
            let mainStatus = try await orchestrator.triggerer.waitFor(watcher: mainWatcher) { $0.eventsRecorded == valid }
            let dlqStatus = try await orchestrator.triggerer.waitFor(watcher: dlqWatcher) { $0.eventsRecorded == 4 }
            _ = try await scheduler.waitForFinishedRuns(of: "book_payments", count: valid)
            // Dead letters are batched into reprocess runs as they come: wait until none is queued or running.
            try await scheduler.waitUntilIdle(reprocessDag)
            return (mainStatus, dlqStatus)
        }
        let reprocessRuns = try await scheduler.runs(of: reprocessDag)
        let triage = reprocessRuns.compactMap { $0.task("triage_and_redrive")?.returnValue }
        let redrivenCount = triage.map { $0["redriven"]?.arrayValue?.count ?? 0 }.reduce(0, +)
        let parked = triage.flatMap { $0["parked"]?.arrayValue ?? [] }.compactMap { $0["body"]?.stringValue ?? $0["body"]?.jsonText }
        let alertEvents = try await scheduler.assetEvents(for: alerts.key).map { event in
            Alert(deadLetters: event.extra["dead_letters"]?.exactIntegerValue ?? 0, threshold: threshold,
                  windowSeconds: window.inSeconds)
        }
        let recorded = try await scheduler.assetEvents(for: mainAsset.key)
        let letters = try await scheduler.assetEvents(for: dlqAsset.key)
        let fates = payments.map { payment -> Fate in
            let letter = letters.first { $0.extra["payload"]?["body"] == ((try? JSONValue.parse(payment.body)) ?? .string(payment.body)) }
            let reason = letter.map { ($0.extra["payload"]?["attributes"]?["eventide-dlq-reason"]?.stringValue)
                ?? "received \(configuration.maxReceives) times without a delete" }
            let booked = recorded.first { event in
                guard let number = (try? JSONValue.parse(payment.body))?["payment"]?.exactIntegerValue else { return false }
                return event.extra["payment"]?.exactIntegerValue == number
            }
            let fate: String
            switch (booked, letter) {
            case (.some, nil): fate = "recorded"
            case (.some(let event), .some): fate = event.extra["attributes"]?["redriven-after"] == nil ? "recorded" : "recorded after redrive"
            case (nil, .some): fate = "parked"
            case (nil, nil): fate = "lost"
            }
            return Fate(label: payment.label, fate: fate, deadLetterReason: reason)
        }
        for fate in fates {
            timeline.note("\(fate.label): \(fate.fate)" + (fate.deadLetterReason.map { " (dead-lettered: \($0))" } ?? ""))
        }
        for alert in alertEvents {
            timeline.note("ALERT: \(alert.deadLetters) dead letters within \(Int(alert.windowSeconds)) s (threshold \(alert.threshold))")
        }
        let (queueCounts, dlqCounts) = (try await service.counts(queue), try await service.counts(dlq))
        let outcome = Outcome(
            service: service.description, fates: fates, deadLettersSeen: dlqStatus.eventsRecorded,
            reprocessRuns: reprocessRuns.count, redriven: redrivenCount, parked: parked, alerts: alertEvents,
            mainRecorded: mainStatus.eventsRecorded, mainDeadLettered: mainStatus.deadLettered, mainRestarts: mainStatus.restarts,
            queueLeft: queueCounts.visible + queueCounts.inFlight, deadLetterQueueLeft: dlqCounts.visible + dlqCounts.inFlight)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    static func proved(_ outcome: Outcome) -> [String] {
        let count = { (fate: String) in outcome.fates.filter { $0.fate == fate }.count }
        return [
            "\(outcome.fates.count) payments: \(count("recorded")) booked at once, \(count("recorded after redrive")) booked after "
                + "the DLQ round trip, \(count("parked")) parked, \(count("lost")) lost",
            "dead letters: \(outcome.mainDeadLettered) rejected by the watcher with a reason, "
                + "\(outcome.deadLettersSeen - outcome.mainDeadLettered) moved by the redrive policy; all \(outcome.deadLettersSeen) "
                + "became asset events of the DLQ asset",
            "\(outcome.reprocessRuns) reprocessing run(s) redrove \(outcome.redriven) and parked \(outcome.parked.count)",
            "alerts: \(outcome.alerts.count) (\(outcome.alerts.map { "\($0.deadLetters) ≥ \($0.threshold)" }.joined(separator: ", ")))",
            "left: \(outcome.queueLeft) in the queue, \(outcome.deadLetterQueueLeft) in its DLQ; the payments watcher restarted \(outcome.mainRestarts) times",
        ]
    }
}
