import Eventide

/// 117.2.5 — failed messages go to the queue's dead-letter queue, by two roads: the watcher rejects a payment it
/// cannot read (with the reason), and the queue's redrive policy moves a message a crashing worker received too
/// often. A second watcher turns every dead letter into an asset event, so a DAG reprocesses them: it repairs
/// what it can and sends it back to the queue, parks the rest, and raises an alert when dead letters pile up.
// Longer than one screen: the pattern is two watchers and a reprocessing DAG with two tasks (triage, alert), and
// the validation and repair rules they share.
enum SQSDeadLetterQueue {
    // [START validate]
    /// The payment in a message body, or why it is not one (the reason travels with the dead letter).
    static func validate(_ body: JSONValue?) throws(PaymentError) -> [String: JSONValue] {
        guard let object = body?.objectValue else { throw .notAnObject }
        guard let payment = object["payment"]?.exactIntegerValue else { throw .paymentNotAnInteger }
        guard let amount = object["amount"]?.doubleValue, amount > 0 else { throw .amountNotPositive }
        guard let currency = object["currency"]?.stringValue, currency.count == 3, currency == currency.uppercased()
        else { throw .currencyNotISO4217 }
        return ["payment": .number(Double(payment)), "amount": .number(amount), "currency": .string(currency)]
    }

    /// A repaired body for a dead letter with a known, fixable defect (an amount as text, a lowercase currency);
    /// nil when it cannot be repaired.
    static func repair(_ body: JSONValue?) -> JSONValue? {
        guard var object = body?.objectValue else { return nil }
        if let text = object["amount"]?.stringValue, let amount = Double(text) { object["amount"] = .number(amount) }
        if let currency = object["currency"]?.stringValue, currency.count == 3 {
            object["currency"] = .string(currency.uppercased())
        }
        return (try? validate(.object(object))) == nil ? nil : .object(object)
    }
    // [END validate]

    // [START watchers]
    /// The payments queue as an asset: its watcher validates each message; one that throws is rejected into the
    /// queue's dead-letter queue with the error as its reason.
    static func payments(queue: String, messages: any Trigger) throws -> Asset {
        try Asset(
            uri: "sqs://\(queue)", name: "payments",
            watchers: [
                AssetWatcher(
                    name: "payments_watcher", trigger: messages,
                    extract: { event in
                        try validate(event.payload["body"]).merging(["attributes": event.payload["attributes"] ?? [:]])
                        { $1 }
                    })
            ])
    }

    /// The dead-letter queue as an asset: every dead letter, whichever road it took, becomes an asset event.
    static func deadLetters(dlq: String, messages: any Trigger) throws -> Asset {
        try Asset(
            uri: "sqs://\(dlq)", name: "payments_dead_letters",
            watchers: [AssetWatcher(name: "payments_dlq_watcher", trigger: messages)])
    }
    // [END watchers]

    // [START reprocess]
    /// Sends back what is valid or repairable (with its attributes and the reason it was dead-lettered), parks the
    /// rest, and publishes an alert when `threshold` dead letters arrived within `window` (once per window). One
    /// run at a time: two concurrent runs would both pass the "already alerted" check.
    static func reprocess(
        _ deadLetters: Asset, alerts: Asset, redriveTo queue: String, service: any QueueService,
        threshold: Int, window: Duration
    ) throws -> DAG {
        try DAG(
            "reprocess_dead_letters", schedule: .on([deadLetters]), maxActiveRuns: 1,
            tasks: [
                TaskDefinition("triage_and_redrive") { context in
                    var redriven: [JSONValue] = [], parked: [JSONValue] = []
                    for letter in context.triggeringEvents(of: deadLetters) {
                        let (payload, body) = (letter.extra["payload"] ?? .null, letter.extra["payload"]?["body"])
                        var attributes = (payload["attributes"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
                        let reason =
                            attributes.removeValue(forKey: "eventide-dlq-reason") ?? "moved by the redrive policy"
                        attributes["eventide-dlq-source"] = nil
                        // A body the watcher accepts as is was only unlucky (a crashing worker): send it back unchanged.
                        if let fixed = (try? validate(body)) != nil ? body : repair(body) {
                            attributes["redriven-after"] = String(reason.prefix(200))
                            _ = try await service.send(queue, body: fixed.jsonText, attributes: attributes)
                            redriven.append(fixed)
                        } else {
                            parked.append([
                                "body": body ?? .null, "reason": .string(reason),
                                "attributes": .object(attributes.mapValues(JSONValue.string)),
                            ])
                        }
                    }
                    return TaskOutput(value: ["redriven": .array(redriven), "parked": .array(parked)])
                },
                TaskDefinition("alert_on_accumulation", upstream: ["triage_and_redrive"], outlets: [alerts]) {
                    context in
                    let since = context.clock.date.addingTimeInterval(-window.inSeconds)
                    let recent = try await context.inletEvents(deadLetters).filter { $0.timestamp >= since }.count
                    let raised = try await context.inletEvents(alerts).contains { $0.timestamp >= since }
                    guard recent >= threshold, !raised else {
                        throw TaskSkipped(
                            raised ? "already alerted in this window" : "\(recent) dead letter(s), below \(threshold)")
                    }
                    return TaskOutput(outletExtra: [
                        alerts.key: [
                            "dead_letters": .number(Double(recent)),
                            "threshold": .number(Double(threshold)),
                        ]
                    ])
                },
            ])
    }
    // [END reprocess]
}

/// Why a message body is not a payment: the reason a rejected message carries into the dead-letter queue.
enum PaymentError: String, Error, Codable, CaseIterable, CustomStringConvertible {
    case notAnObject
    case paymentNotAnInteger
    case amountNotPositive
    case currencyNotISO4217

    var description: String {
        switch self {
        case .notAnObject: "body is not a JSON object"
        case .paymentNotAnInteger: "'payment' is not an integer"
        case .amountNotPositive: "'amount' is not a positive number"
        case .currencyNotISO4217: "'currency' is not an ISO 4217 code"
        }
    }

    /// The error a dead letter's reason names, or nil when the reason is not one of these.
    init?(reason: String) {
        guard let error = Self.allCases.first(where: { $0.description == reason }) else { return nil }
        self = error
    }
}
