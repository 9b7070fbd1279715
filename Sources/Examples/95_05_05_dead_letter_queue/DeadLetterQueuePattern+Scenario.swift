import Eventide
import EventideCLI
import Foundation

/// Drives `DeadLetterQueuePattern.swift`: eight payments through the consumer, the operator's intervention (what
/// `eventide-dlq` does, in-process), the fixes, and the two anti-patterns on the same workload.
extension DeadLetterQueuePattern {
    static let item = "95.5.5"
    static let title = "Dead Letter Queue Pattern"

    struct Configuration: Sendable {
        /// Seeds the jitter of the retries' delays.
        var seed: UInt64 = 7
        /// How many tries the naive "retry until it works" consumer makes before the example stops it (it would
        /// go on forever).
        var naiveBudget = 25
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        /// `--db` named a store with dead letters or a payments queue from an earlier run.
        case storeUsed(path: String, letters: Int)
        /// A payment the scenario expected in the dead-letter queue was not there.
        case missingLetter(payment: String)

        var description: String {
            switch self {
            case .storeUsed(let path, let letters):
                "the database \(path) already holds a payments queue or \(letters) dead letter(s) from an earlier "
                    + "run; the example starts from an empty store: pass --db a new file, or omit --db"
            case .missingLetter(let payment):
                "payment \(payment) should have been dead-lettered but is not in the dead-letter queue"
            }
        }
    }

    /// The gateway the consumer charges: a simulated dependency with outages and the currencies it accepts.
    actor Gateway {
        static let currencies: Set<String> = ["EUR", "USD", "GBP"]
        /// Payment id → timeouts left (`Int.max`: down until `restore`).
        private var outages: [String: Int]
        private(set) var charges: [String: Int] = [:]

        init(outages: [String: Int]) { self.outages = outages }

        func charge(_ payment: Payment) throws {
            if let left = outages[payment.id], left > 0 {
                if left != Int.max { outages[payment.id] = left - 1 }
                throw PaymentError.gatewayTimeout(payment: payment.id)
            }
            guard Self.currencies.contains(payment.currency) else {
                throw PaymentError.unsupportedCurrency(payment.currency)
            }
            charges[payment.id, default: 0] += 1
        }

        func restore(_ payment: String) { outages[payment] = nil }
    }

    /// The workload: eight payments; p-3 meets two timeouts, p-5's merchant is down, p-6 pays in a currency the
    /// gateway refuses, p-7's amount is not a number.
    static let bodies = [
        #"{"id":"p-1","amount":40,"currency":"EUR"}"#, #"{"id":"p-2","amount":25,"currency":"USD"}"#,
        #"{"id":"p-3","amount":60,"currency":"EUR"}"#, #"{"id":"p-4","amount":15,"currency":"GBP"}"#,
        #"{"id":"p-5","amount":90,"currency":"EUR"}"#, #"{"id":"p-6","amount":10,"currency":"XBT"}"#,
        #"{"id":"p-7","amount":"twelve","currency":"EUR"}"#, #"{"id":"p-8","amount":30,"currency":"USD"}"#,
    ]
    static let outages = ["p-3": 2, "p-5": Int.max]

    /// One payment's fate in the first pass.
    struct Fate: Codable, Sendable, Hashable {
        let payment: String
        let charged: Bool
        let attempts: Int
        let category: FailureCategory?
        /// The delays waited before each retry, in milliseconds.
        let retryDelaysMilliseconds: [Double]
    }

    /// A dead letter as the example saw it.
    struct Letter: Codable, Sendable, Hashable {
        let id: Int64
        let payment: String
        let category: FailureCategory?
        let attempts: Int?
        let errorType: String?
        let reason: String
        let state: DeadLetter.State
        let originalBody: String?
        let body: String?
        let keepsTimestamps: Bool
    }

    /// What a naive consumer did on the same workload.
    struct NaiveResult: Codable, Sendable, Hashable {
        let charged: [String]
        /// Payments that failed and left no trace: nothing can retry them after a fix.
        let lost: [String]
        /// Tries spent on the payments that could not succeed (p-5 while down, p-6, p-7).
        let attemptsOnFailing: Int
        /// Payments still failing when the example stopped the retry loop (it would never have stopped).
        let stillFailing: [String]
    }

    struct Outcome: Codable, Sendable {
        let firstPass: [Fate]
        /// The letters after the first pass (`eventide-dlq list`).
        let deadLettered: [Letter]
        /// p-5, retried from the queue after the gateway was restored.
        let retriedAfterFix: Letter
        /// p-7, edited and redriven to the payments queue, then consumed again.
        let edited: Letter
        let redriveDestination: String?
        let chargedAfterRedrive: [String]
        /// p-6, discarded with a reason.
        let discarded: Letter
        let discardReason: String?
        /// Every letter at the end (`eventide-dlq list --all`).
        let finalLetters: [Letter]
        /// Payment id → times charged.
        let charges: [String: Int]
        let lost: [String]
        /// Tries spent on p-5 (while down), p-6 and p-7 by the pattern.
        let attemptsOnFailing: Int
        let naiveRetry: NaiveResult
        let naiveDrop: NaiveResult
    }

    static let failing: Set<String> = ["p-5", "p-6", "p-7"]

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let deadLetters = DeadLetterQueue(database: database)
        let queues = EmbeddedQueue(database: database, clock: deadLetters.clock)
        try await requireFreshStore(database, deadLetters, queues)
        try await queues.createQueue("payments")
        var paymentOfMessage: [String: String] = [:]
        for body in bodies { paymentOfMessage[try await queues.send("payments", body: body)] = idInText(body) }
        let gateway = Gateway(outages: outages)
        let policy = policy(deadLetters)
        var generator = SeededGenerator(seed: configuration.seed)

        // 1. The consumer: transient failures retried with backoff, the rest dead-lettered at once.
        var delays: [String: [Double]] = [:]
        let onFailure = { (failure: DeadLetterPolicy.FailedAttempt) in
            let payment = failure.messageId.flatMap { paymentOfMessage[$0] } ?? "message \(failure.messageId ?? "-")"
            if let wait = failure.retryAfter { delays[payment, default: []].append(wait.milliseconds) }
            timeline.note(
                "\(payment) attempt \(failure.attempt) failed [\(failure.category)]: \(failure.error) → "
                    + (failure.retryAfter.map { "retry in \(format($0.milliseconds)) ms" } ?? "dead-letter"),
                at: failure.at)
        }
        let charge = { (payment: Payment) in
            try await gateway.charge(payment)
            timeline.note("\(payment.id) charged")
        }
        let fates = try await consume(queues, policy, using: &generator, onFailure: onFailure, charge: charge)
        var firstPass: [Fate] = []
        for (message, fate) in fates {
            let payment = (try? decode(["body": .string(message.body)]).id) ?? idInText(message.body)
            switch fate {
            case .processed(let attempts):
                firstPass.append(
                    Fate(
                        payment: payment, charged: true, attempts: attempts, category: nil,
                        retryDelaysMilliseconds: delays[payment] ?? []))
            case .deadLettered(let letter):
                firstPass.append(
                    Fate(
                        payment: payment, charged: false, attempts: letter.attempts ?? 0,
                        category: letter.category, retryDelaysMilliseconds: delays[payment] ?? []))
                timeline.note(
                    "\(payment) dead-lettered as #\(letter.id) after \(letter.attempts ?? 0) attempt(s)",
                    at: letter.deadLetteredAt)
            }
        }

        // 2. The operator lists the queue (eventide-dlq list).
        let waiting = try await deadLetters.list()
        timeline.note("eventide-dlq list → " + waiting.map { "#\($0.id) \(paymentId($0))" }.joined(separator: ", "))
        for letter in waiting { timeline.note("  " + summary(letter)) }
        let letterOf = { (payment: String) throws -> DeadLetter in
            guard let letter = waiting.first(where: { paymentId($0) == payment }) else {
                throw ScenarioError.missingLetter(payment: payment)
            }
            return letter
        }

        // 3. A fix, then a retry from the queue: p-5's merchant is back.
        await gateway.restore("p-5")
        let p5 = try letterOf("p-5")
        let retried = try await policy.retry(p5.id, using: &generator, onFailure: onFailure) {
            try await charge(try decode($0))
        }
        // Noted when the retry has returned, on the timeline's own clock like the "charged" note inside it: a
        // stamp from the dead-letter clock (a Date) could sort before that note under load.
        timeline.note("gateway restored for p-5, then retry #\(p5.id) from the queue → \(retried.state.rawValue)")

        // 4. Inspect, edit and redrive p-7 (eventide-dlq show / edit --set / redrive).
        let p7 = try letterOf("p-7")
        let shown = try await deadLetters.letter(p7.id)
        timeline.note(
            "eventide-dlq show \(p7.id) → category \(shown.category?.rawValue ?? "-"), error type "
                + "\(shown.errorType.map(shortType) ?? "-"), attempts \(shown.attempts ?? 0), body \(body(shown.payload))"
        )
        var body = try JSONValue.parse(Self.body(shown.payload))
        body = .object((body.objectValue ?? [:]).merging(["amount": 12]) { $1 })
        var payload = shown.payload.objectValue ?? [:]
        payload["body"] = .string(body.jsonText)
        let edited = try await deadLetters.edit(p7.id, payload: .object(payload))
        timeline.note(
            "eventide-dlq edit \(p7.id) → body \(Self.body(edited.payload)), original kept: "
                + Self.body(edited.originalEvent), at: edited.editedAt ?? deadLetters.clock.date)
        let redrive = try await DeadLetterRedrive(deadLetters: deadLetters).redrive(p7.id)
        let destination: String? = if case .republished(let to) = redrive { to } else { nil }
        timeline.note("eventide-dlq redrive \(p7.id) → sent back to \(destination ?? "nowhere")")
        let again = try await consume(queues, policy, using: &generator, onFailure: onFailure, charge: charge)
        let chargedAgain = again.compactMap { message, fate -> String? in
            guard case .processed = fate else { return nil }
            return idInText(message.body)
        }

        // 5. Discard p-6: the currency will never be accepted (eventide-dlq discard --reason).
        let p6 = try letterOf("p-6")
        let reason = "XBT is not accepted: refunded to the customer by support"
        let discarded = try await deadLetters.discard([p6.id], reason: reason)
        timeline.note(
            "eventide-dlq discard \(p6.id) --reason \"\(reason)\"",
            at: discarded.first?.discardedAt ?? deadLetters.clock.date)

        let final = try await deadLetters.list(includingRedriven: true)
        let charges = await gateway.charges
        let lost = bodies.map(idInText).filter { id in charges[id] == nil && !final.contains { paymentId($0) == id } }
        timeline.note(
            "every letter: "
                + final.map { "#\($0.id) \(paymentId($0)) \($0.state.rawValue)" }
                .joined(separator: ", "))

        // 6. The anti-patterns on the same workload.
        let naiveRetry = try await retryUntilItWorks(budget: configuration.naiveBudget)
        timeline.note(
            "anti-pattern, retry until it works: charged \(naiveRetry.charged.count), "
                + "\(naiveRetry.attemptsOnFailing) tries on the failing payments, still failing after "
                + "\(configuration.naiveBudget) tries each: \(naiveRetry.stillFailing.joined(separator: ", "))")
        let naiveDrop = try await dropFailures()
        timeline.note(
            "anti-pattern, log and drop: charged \(naiveDrop.charged.count), lost "
                + naiveDrop.lost.joined(separator: ", "))

        let outcome = Outcome(
            firstPass: firstPass, deadLettered: waiting.map(record), retriedAfterFix: record(retried),
            edited: record(try await deadLetters.letter(p7.id)), redriveDestination: destination,
            chargedAfterRedrive: chargedAgain, discarded: record(try await deadLetters.letter(p6.id)),
            discardReason: discarded.first?.discardReason, finalLetters: final.map(record), charges: charges,
            lost: lost,
            attemptsOnFailing: firstPass.filter { failing.contains($0.payment) }.map(\.attempts).reduce(0, +),
            naiveRetry: naiveRetry, naiveDrop: naiveDrop)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// Refuses a store an earlier run used: the narrative counts letters and messages from an empty store.
    static func requireFreshStore(
        _ database: EventideDatabase, _ deadLetters: DeadLetterQueue, _ queues: EmbeddedQueue
    ) async throws {
        let letters = try await deadLetters.list(includingRedriven: true).count
        let queueExists = (try? await queues.settings(of: "payments")) != nil
        if letters > 0 || queueExists { throw ScenarioError.storeUsed(path: database.path, letters: letters) }
    }

    /// The anti-pattern "retry until it works": every failure retried at once, whatever it is, no dead letter.
    /// The example stops each loop after `budget` tries; a real one would spin on p-5, p-6 and p-7 forever while
    /// the payments behind them wait.
    static func retryUntilItWorks(budget: Int) async throws -> NaiveResult {
        let gateway = Gateway(outages: outages)
        var attemptsOnFailing = 0
        var stillFailing: [String] = []
        for text in bodies {
            let id = idInText(text)
            var tries = 0
            while tries < budget {
                tries += 1
                do {
                    try await gateway.charge(try decode(["body": .string(text)]))
                    break
                } catch {
                    if tries == budget { stillFailing.append(id) }
                }
            }
            if failing.contains(id) { attemptsOnFailing += tries }
        }
        let charges = await gateway.charges
        return NaiveResult(
            charged: bodies.map(idInText).filter { charges[$0] != nil }, lost: stillFailing,
            attemptsOnFailing: attemptsOnFailing, stillFailing: stillFailing)
    }

    /// The anti-pattern "log and drop": one try, a failure is logged and the message deleted.
    static func dropFailures() async throws -> NaiveResult {
        let gateway = Gateway(outages: outages)
        var lost: [String] = []
        var attemptsOnFailing = 0
        for text in bodies {
            let id = idInText(text)
            if failing.contains(id) { attemptsOnFailing += 1 }
            do { try await gateway.charge(try decode(["body": .string(text)])) } catch { lost.append(id) }
        }
        let charges = await gateway.charges
        return NaiveResult(
            charged: bodies.map(idInText).filter { charges[$0] != nil }, lost: lost,
            attemptsOnFailing: attemptsOnFailing, stillFailing: [])
    }

    // MARK: Reading letters

    static func record(_ letter: DeadLetter) -> Letter {
        Letter(
            id: letter.id, payment: paymentId(letter), category: letter.category, attempts: letter.attempts,
            errorType: letter.errorType.map(shortType), reason: letter.reason, state: letter.state,
            originalBody: letter.originalPayload.map(body), body: body(letter.payload),
            keepsTimestamps: letter.firstFailedAt != nil && letter.lastFailedAt != nil)
    }

    /// `eventide-dlq list`'s line without the store-specific message id.
    static func summary(_ letter: DeadLetter) -> String {
        "#\(letter.id) \(paymentId(letter)) [\(letter.category?.rawValue ?? "-")] \(letter.state.rawValue), "
            + "\(letter.attempts ?? 0) attempt(s): \(letter.reason)"
    }

    static func body(_ payload: JSONValue) -> String { payload["body"]?.stringValue ?? payload.jsonText }

    static func paymentId(_ letter: DeadLetter) -> String { idInText(body(letter.originalEvent)) }

    /// The payment id in a body, even one that does not decode as a `Payment`.
    static func idInText(_ text: String) -> String {
        (try? JSONValue.parse(text))?["id"]?.stringValue ?? "?"
    }

    static func shortType(_ type: String) -> String { type.split(separator: ".").last.map(String.init) ?? type }

    static func format(_ milliseconds: Double) -> String { String(format: "%.1f", milliseconds) }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let letters = outcome.deadLettered
        let categories = letters.map { "\($0.payment) \($0.category?.rawValue ?? "-") after \($0.attempts ?? 0)" }
        let transient = outcome.firstPass.filter { !$0.retryDelaysMilliseconds.isEmpty }
        return [
            "first pass: charged \(outcome.firstPass.filter(\.charged).count) of \(outcome.firstPass.count); "
                + "dead-lettered " + categories.joined(separator: ", ") + " attempt(s)",
            "retries only for transient failures, delays doubling with jitter: "
                + transient.map {
                    "\($0.payment) " + $0.retryDelaysMilliseconds.map(format).joined(separator: "/") + " ms"
                }.joined(separator: "; "),
            "every letter kept its event, error type and first/last failure times: "
                + "\(letters.allSatisfy { $0.keepsTimestamps && $0.errorType != nil && $0.body != nil })",
            "after the fix, p-5 retried from the queue: \(outcome.retriedAfterFix.state.rawValue); p-7 edited "
                + "(original kept: \(outcome.edited.originalBody != nil)), redriven to "
                + "\(outcome.redriveDestination ?? "nowhere") and charged: \(outcome.chargedAfterRedrive.contains("p-7")); "
                + "p-6 \(outcome.discarded.state.rawValue) with a reason",
            "at the end: charged \(outcome.charges.count) payments, each once: "
                + "\(outcome.charges.values.allSatisfy { $0 == 1 }); lost \(outcome.lost.count); waiting "
                + "\(outcome.finalLetters.filter { $0.state == .waiting }.count)",
            "anti-patterns on the same payments: retry-until-it-works spent \(outcome.naiveRetry.attemptsOnFailing) "
                + "tries on the failing payments (the pattern: \(outcome.attemptsOnFailing)) and kept nothing; "
                + "log-and-drop lost \(outcome.naiveDrop.lost.count) payments (the pattern: \(outcome.lost.count))",
        ]
    }
}

extension Duration {
    fileprivate var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
