import Eventide
import EventideCLI
import EventideSQSCLI
import Foundation
import Synchronization

/// Drives `SQSDeadLetterQueue.swift`: a crashing worker, then six payments (two valid, two repairable, one
/// garbage, one the worker left to the redrive policy); records each payment's fate as it happens (`FateLedger`),
/// then the reprocessing runs, the alerts and what is left in both queues.
extension SQSDeadLetterQueue {
    static let item = "117.2.5"
    static let title = "SQS Dead Letter Queue Handling"
    static let reprocessDag = "reprocess_dead_letters"

    struct Configuration: Sendable {
        /// The queue's name; its DLQ is `<queue>-dlq`.
        var queue = "payments"
        /// Receives before the queue's redrive policy moves a message to the DLQ.
        var maxReceives = 2
        /// Dead letters within `alertWindow` that raise an alert.
        var alertThreshold = 3
        var alertWindow: Duration = .seconds(60)

        var deadLetterQueue: String { queue + "-dlq" }

        /// Throws ``ScenarioError/invalidQueueName(_:)`` unless the queue and its DLQ fit SQS's rule.
        func validate() throws(ScenarioError) {
            guard [queue, deadLetterQueue].allSatisfy(QueueName.isValid) else {
                throw .invalidQueueName(queue)
            }
        }
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        /// `--queue` is empty, too long for `<queue>-dlq`, or has characters SQS refuses.
        case invalidQueueName(String)
        /// The crashing worker received nothing: the queue lost the payment or its visibility timeout is broken.
        case crashingWorkerGotNothing(attempt: Int)

        var description: String {
            switch self {
            case .invalidQueueName(let name):
                "--queue must be 1 to 76 letters, digits, '-' or '_' (SQS's rule, with the suffix -dlq), got '\(name)'"
            case .crashingWorkerGotNothing(let attempt):
                "the crashing worker received nothing on attempt \(attempt); the payment should still be in the queue"
            }
        }
    }

    /// The example's payments, each tagged with its case in a message attribute.
    enum Payment: String, Codable, Sendable, CaseIterable {
        case crashedWorker = "retried by a crashing worker"
        case valid
        case amountAsText = "amount as text"
        case lowercaseCurrency = "lowercase currency"
        case garbage
        case validToo = "valid too"

        var body: String {
            switch self {
            case .crashedWorker: #"{"payment": 5, "amount": 7.25, "currency": "EUR"}"#
            case .valid: #"{"payment": 1, "amount": 20.0, "currency": "EUR"}"#
            case .amountAsText: #"{"payment": 2, "amount": "12.50", "currency": "EUR"}"#
            case .lowercaseCurrency: #"{"payment": 3, "amount": 9.99, "currency": "usd"}"#
            case .garbage: "%%% not a payment %%%"
            case .validToo: #"{"payment": 6, "amount": 3.0, "currency": "GBP"}"#
            }
        }

        var attributes: [String: String] { ["kind": "payment", FateLedger.attribute: rawValue] }
    }

    /// What happened to one payment, as recorded when it happened.
    struct Fate: Codable, Sendable, Hashable {
        enum Kind: String, Codable, Sendable {
            case booked
            case bookedAfterRedrive = "booked after redrive"
            case parked
            case lost
        }

        /// How a dead letter reached the DLQ.
        enum Route: Codable, Sendable, Hashable, CustomStringConvertible {
            /// The payments watcher rejected it with this validation error.
            case rejected(PaymentError)
            /// The queue moved it after too many receives without a delete.
            case redrivePolicy

            var description: String {
                switch self {
                case .rejected(let error): "rejected: \(error)"
                case .redrivePolicy: "moved by the redrive policy"
                }
            }
        }

        let payment: Payment
        let fate: Kind
        /// How it reached the DLQ, as its dead letter said (nil: never dead-lettered).
        let deadLetter: Route?
        /// The error the payments watcher rejected it with (nil: never rejected).
        let rejectedWith: PaymentError?
    }

    struct Alert: Codable, Sendable, Hashable {
        let deadLetters: Int
        let threshold: Int
        let windowSeconds: Double
        /// The payment whose dead letter's reprocessing run raised it.
        let raisedAfter: Payment
    }

    /// What the reprocessing runs did, gathered after each payment's runs finished.
    struct Reprocessing {
        var runs = 0
        var redriven = 0
        var parked: [Payment] = []
        var alerts: [Alert] = []

        /// Adds the finished runs `new`, created while `payment` was followed; notes each parked payment at the time
        /// its triage ended.
        mutating func add(
            _ new: [DagRun], after payment: Payment, ledger: FateLedger, alerts events: [AssetEvent],
            _ configuration: Configuration
        ) {
            runs += new.count
            for run in new {
                if let triage = run.task("triage_and_redrive"), let value = triage.returnValue {
                    redriven += value["redriven"]?.arrayValue?.count ?? 0
                    for letter in value["parked"]?.arrayValue ?? [] {
                        guard let parkedPayment = FateLedger.payment(attributes: letter["attributes"]) else { continue }
                        parked.append(parkedPayment)
                        ledger.parked(
                            parkedPayment, reason: letter["reason"]?.stringValue ?? "",
                            at: triage.endedAt ?? run.endedAt ?? run.queuedAt)
                    }
                }
                for event in events {
                    guard case .task(_, let runId, _) = event.source, runId == run.runId else { continue }
                    alerts.append(
                        Alert(
                            deadLetters: event.extra["dead_letters"]?.exactIntegerValue ?? 0,
                            threshold: configuration.alertThreshold,
                            windowSeconds: configuration.alertWindow.inSeconds, raisedAfter: payment))
                }
            }
        }
    }

    struct Outcome: Codable, Sendable {
        let service: String
        let fates: [Fate]
        /// The receives of the crashing worker, each without a delete.
        let crashingWorkerReceives: Int
        let deadLettersSeen: Int
        let reprocessRuns: Int
        let redriven: Int
        let parked: [Payment]
        let alerts: [Alert]
        let mainRecorded: Int
        let mainDeadLettered: Int
        let mainRestarts: Int
        let queueLeft: Int
        let deadLetterQueueLeft: Int
    }

    static func run(
        _ configuration: Configuration, service: any QueueService,
        database: EventideDatabase
    ) async throws -> ExampleReport<Outcome> {
        try configuration.validate()
        let timeline = Timeline()
        let ledger = FateLedger(timeline: timeline)
        let (queue, dlq) = (configuration.queue, configuration.deadLetterQueue)
        // The queue's own visibility timeout is 1 s, for the crashing worker's receives; the watchers keep what
        // they receive invisible for 30 s, so that a commit slowed by a loaded machine is not taken for a crash
        // (which would count a receive and could redrive a good payment).
        let watcherVisibility = Duration.seconds(30)
        let paymentsAsset = try payments(
            queue: queue,
            messages: ledger.observingPayments(
                service.trigger(for: queue, visibilityTimeout: watcherVisibility, wait: .milliseconds(200))))
        let deadLetterAsset = try deadLetters(
            dlq: dlq,
            messages: ledger.observingDeadLetters(
                service.trigger(for: dlq, visibilityTimeout: watcherVisibility, wait: .milliseconds(200))))
        let alerts = try Asset(uri: "alerts://payments-dlq", name: "payments_dlq_alerts")
        let book = try DAG(
            "book_payments", schedule: .on([paymentsAsset]), assetTriggering: .perEvent,
            tasks: [
                TaskDefinition("book") { context in
                    TaskOutput(value: context.triggeringEvents(of: paymentsAsset).first?.extra["payment"] ?? .null)
                }
            ])
        let reprocess = try reprocess(
            deadLetterAsset, alerts: alerts, redriveTo: queue, service: service,
            threshold: configuration.alertThreshold, window: configuration.alertWindow)
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [book, reprocess], assets: [paymentsAsset, deadLetterAsset, alerts])
        // Refused, not resumed: every count below is this run's.
        try await orchestrator.requireFreshStore()
        try await service.createQueue(dlq, QueueSettings())
        try await service.createQueue(
            queue,
            QueueSettings(
                visibilityTimeout: .seconds(1), deadLetterQueue: dlq,
                maxReceives: configuration.maxReceives))
        try await service.requireEmptyQueue(queue)
        try await service.requireEmptyQueue(dlq)
        timeline.note(
            "\(try await service.queueURL(queue)) on \(service): redrive to \(dlq) after "
                + "\(configuration.maxReceives) receives")

        // A worker outside the watcher receives the first payment and crashes before deleting it, every time.
        let crashing = Payment.crashedWorker
        _ = try await service.send(queue, body: crashing.body, attributes: crashing.attributes)
        var receives = 0
        for attempt in 1...configuration.maxReceives {
            guard try await !service.receive(queue, limit: 1, visibilityTimeout: .zero, wait: .seconds(2)).isEmpty
            else {
                throw ScenarioError.crashingWorkerGotNothing(attempt: attempt)
            }
            receives += 1
            timeline.note(
                "a crashing worker received '\(crashing.rawValue)' (receive \(attempt)) and died before deleting it")
        }

        let scheduler = orchestrator.scheduler
        let (mainWatcher, dlqWatcher) = ("payments_watcher", "payments_dlq_watcher")
        let (mainStatus, dlqStatus, reprocessing) = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: mainWatcher, state: .running)
            _ = try await orchestrator.triggerer.waitFor(watcher: dlqWatcher, state: .running)
            var reprocessing = Reprocessing()
            // One payment at a time, each followed to its fate, so the story reads in the same order every run.
            for payment in Payment.allCases {
                let mark = try await RunLedger(scheduler, dags: [reprocessDag])
                if payment != crashing {
                    _ = try await service.send(queue, body: payment.body, attributes: payment.attributes)
                }
                // Booked at once, or a dead letter (rejected by the watcher, or moved by the redrive policy).
                guard
                    try await ledger.wait(for: payment, until: { $0.fate == .booked || $0.deadLetter != nil })
                        .deadLetter != nil
                else { continue }
                try await scheduler.waitUntilIdle(reprocessDag)
                try await reprocessing.add(
                    mark.newRuns(of: reprocessDag), after: payment, ledger: ledger,
                    alerts: scheduler.assetEvents(for: alerts.key), configuration)
                if !reprocessing.parked.contains(payment) {
                    _ = try await ledger.wait(for: payment, until: { $0.fate == .bookedAfterRedrive })
                }
            }
            let booked = Payment.allCases.count - reprocessing.parked.count
            let mainStatus = try await orchestrator.triggerer.waitFor(watcher: mainWatcher) {
                $0.eventsRecorded == booked
            }
            let dlqStatus = try await orchestrator.triggerer.waitFor(watcher: dlqWatcher) { $0.eventsRecorded == 4 }
            _ = try await scheduler.waitForFinishedRuns(of: book.dagId, count: booked)
            return (mainStatus, dlqStatus, reprocessing)
        }
        let (queueCounts, dlqCounts) = (try await service.counts(queue), try await service.counts(dlq))
        let outcome = Outcome(
            service: service.description, fates: ledger.fates, crashingWorkerReceives: receives,
            deadLettersSeen: dlqStatus.eventsRecorded, reprocessRuns: reprocessing.runs,
            redriven: reprocessing.redriven,
            parked: reprocessing.parked, alerts: reprocessing.alerts, mainRecorded: mainStatus.eventsRecorded,
            mainDeadLettered: mainStatus.deadLettered, mainRestarts: mainStatus.restarts,
            queueLeft: queueCounts.visible + queueCounts.inFlight,
            deadLetterQueueLeft: dlqCounts.visible + dlqCounts.inFlight)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let count = { (kind: Fate.Kind) in outcome.fates.filter { $0.fate == kind }.count }
        let rejected = outcome.fates.filter { if case .rejected = $0.deadLetter { true } else { false } }.count
        let moved = outcome.fates.filter { $0.deadLetter == .redrivePolicy }.count
        return [
            "\(outcome.fates.count) payments: \(count(.booked)) booked at once, \(count(.bookedAfterRedrive)) booked "
                + "after the DLQ round trip, \(count(.parked)) parked, \(count(.lost)) lost",
            "dead letters: \(rejected) rejected by the watcher with a reason, \(moved) moved by the redrive policy "
                + "(after \(outcome.crashingWorkerReceives) receives without a delete); \(outcome.deadLettersSeen) "
                + "became asset events of the DLQ asset",
            "\(outcome.reprocessRuns) reprocessing run(s) redrove \(outcome.redriven) and parked \(outcome.parked.count)",
            "alerts: \(outcome.alerts.count)"
                + outcome.alerts.map {
                    " (\($0.deadLetters) dead letters ≥ \($0.threshold) within \(Int($0.windowSeconds)) s, raised by the run "
                        + "reprocessing '\($0.raisedAfter.rawValue)')"
                }.joined(separator: ","),
            "left: \(outcome.queueLeft) in the queue, \(outcome.deadLetterQueueLeft) in its DLQ; the payments watcher "
                + "restarted \(outcome.mainRestarts) times",
        ]
    }
}

/// Records what happens to each payment at the moment it happens, from the watchers' triggers: a payment is booked
/// when the payments watcher acknowledges it (its asset event is committed), rejected when the watcher rejects
/// it, dead-lettered when the DLQ watcher acknowledges its dead letter. Each step is noted on the timeline then.
final class FateLedger: Sendable {
    typealias Payment = SQSDeadLetterQueue.Payment
    typealias Fate = SQSDeadLetterQueue.Fate

    /// The message attribute naming which of the example's payments a message is (it survives the DLQ round trip).
    static let attribute = "payment-case"

    /// What has happened to one payment so far.
    struct Entry: Sendable {
        var fate: Fate.Kind?
        var rejected: PaymentError?
        var deadLetter: Fate.Route?
    }
    private let entries = Mutex<[Payment: Entry]>([:])
    private let updates = Broadcast<Payment>()
    private let timeline: Timeline

    init(timeline: Timeline) { self.timeline = timeline }

    /// The payments queue's trigger, with each acknowledgement and rejection recorded after it took effect.
    func observingPayments(_ messages: any Trigger) -> any Trigger {
        MappedTrigger(messages) { [self] event in
            guard let payment = Self.payment(of: event) else { return event }
            let redriven = event.payload["attributes"]?["redriven-after"] != nil
            var event = event
            let acknowledge = event.acknowledge
            event.acknowledge = {
                try await acknowledge()
                self.update(payment) { $0.fate = redriven ? .bookedAfterRedrive : .booked }
                self.timeline.note("\(payment.rawValue): booked" + (redriven ? " after the DLQ round trip" : ""))
            }
            if let reject = event.reject {
                event.reject = { reason in
                    // Noted as the move starts: the DLQ watcher may see the dead letter before `reject` returns.
                    self.timeline.note("\(payment.rawValue): rejected into the DLQ (\(reason))")
                    try await reject(reason)
                    let error = PaymentError(reason: reason)
                    self.update(payment) { $0.rejected = error }
                }
            }
            return event
        }
    }

    /// The dead-letter queue's trigger, with each dead letter recorded once its asset event is committed (at the time
    /// the watcher received it).
    func observingDeadLetters(_ messages: any Trigger) -> any Trigger {
        MappedTrigger(messages) { [self] event in
            guard let payment = Self.payment(of: event) else { return event }
            let reason = event.payload["attributes"]?["eventide-dlq-reason"]?.stringValue
            // Stamped when the DLQ watcher received the dead letter, before its asset event is committed, and noted
            // only once it is: the reprocessing run that event starts may end before `acknowledge` returns here.
            let received = Date()
            var event = event
            let acknowledge = event.acknowledge
            event.acknowledge = {
                try await acknowledge()
                // A dead letter whose reason is a validation error was rejected by the watcher; any other was
                // moved there by the queue's redrive policy.
                let route: Fate.Route =
                    reason.flatMap(PaymentError.init(reason:)).map { .rejected($0) } ?? .redrivePolicy
                self.update(payment) { $0.deadLetter = route }
                self.timeline.note(
                    "\(payment.rawValue): dead letter → asset event of the DLQ asset (\(route))", at: received)
            }
            return event
        }
    }

    /// A reprocessing run parked `payment` (noted at the time the run's task ended).
    func parked(_ payment: Payment, reason: String, at date: Date) {
        update(payment) { $0.fate = .parked }
        timeline.note("\(payment.rawValue): parked by the reprocessing run (\(reason))", at: date)
    }

    /// Each payment's last recorded fate (`lost` when nothing was recorded) and the road it took to the DLQ.
    var fates: [Fate] {
        entries.withLock { entries in
            Payment.allCases.map { payment in
                let entry = entries[payment]
                return Fate(
                    payment: payment, fate: entry?.fate ?? .lost, deadLetter: entry?.deadLetter,
                    rejectedWith: entry?.rejected)
            }
        }
    }

    /// Waits until what has happened to `payment` satisfies `condition`, and returns it.
    func wait(
        for payment: Payment, deadline: WaitDeadline = .default,
        until condition: @escaping @Sendable (Entry) -> Bool
    ) async throws -> Entry {
        let stream = updates.subscribe()  // before looking: no update is missed
        if condition(entry(payment)) { return entry(payment) }
        return try await deadline.enforce(waitingFor: "the fate of payment '\(payment.rawValue)'") { [self] in
            for await updated in stream where updated == payment && condition(entry(payment)) { return entry(payment) }
            throw CancellationError()
        }
    }

    private func entry(_ payment: Payment) -> Entry { entries.withLock { $0[payment] ?? Entry() } }

    static func payment(of event: TriggerEvent) -> Payment? { payment(attributes: event.payload["attributes"]) }

    /// The payment a message's attributes name.
    static func payment(attributes: JSONValue?) -> Payment? {
        attributes?[attribute]?.stringValue.flatMap(Payment.init(rawValue:))
    }

    private func update(_ payment: Payment, _ change: (inout Entry) -> Void) {
        entries.withLock { change(&$0[payment, default: Entry()]) }
        updates.publish(payment)
    }
}
