import Eventide
import EventideCLI
import EventideHTTP
import EventideHTTPCLI
import Foundation

/// Drives the gateway of `CustomEventGateway.swift` over real HTTP: three senders post a seeded workload with
/// retries, an unroutable event, invalid ones and an unknown sender; then the runtime restarts on the same store
/// and the till retries once more. Every answer is noted as it arrives; the store is read at the end.
extension CustomEventGateway {
    static let item = "95.2.5"
    static let title = "Custom Event Gateway"

    struct Configuration: Sendable {
        /// Seeds the amounts, temperatures and which reading of the first batch is too warm.
        var seed: UInt64 = 11
    }

    /// What a delivery is meant to show; the answer measured for it is in `Exchange.status` and `events`.
    enum Intent: String, Codable, Sendable, CaseIterable {
        /// A new event.
        case new
        /// The same request again (the sender did not see the answer).
        case retry
        /// An event no rule takes.
        case unroutable
        /// An event the sender's format refuses.
        case invalid
        /// A till event without its Idempotency-Key header.
        case missingKey = "missing_key"
        /// A sender the gateway does not know.
        case unknownSender = "unknown_sender"
        /// A retry after the runtime and the gateway restarted on the same store.
        case retryAfterRestart = "retry_after_restart"
    }

    /// One request and the answer received.
    struct Exchange: Codable, Sendable, Hashable {
        let sender: String
        let intent: Intent
        let label: String
        let status: Int
        /// Where each event went (a 202's receipt); empty for a refusal.
        let events: [GatewayDisposition]
        /// A 422's `loc` (`["body", "AMT"]`); nil otherwise.
        let refusedAt: [String]?
    }

    /// Per sender, counted from the answers and from the store.
    struct SenderTally: Codable, Sendable, Hashable {
        let sender: String
        /// Events routed and recorded for the first time.
        let accepted: Int
        /// Events whose key had been received before: the first answer came back, nothing was recorded.
        let deduplicated: Int
        /// Events dead-lettered for the first time.
        let deadLettered: Int
        /// Requests refused (4xx): nothing recorded.
        let refused: Int
        /// Asset events of this sender in the store, and its dead letters.
        let storedEvents: Int
        let storedDeadLetters: Int
    }

    /// Per DAG, from the store.
    struct DagTally: Codable, Sendable, Hashable {
        let dagId: String
        let runs: Int
        let succeeded: Int
        /// The events the answers routed to the DAG's asset, and the events its runs consumed (ids, sorted).
        let routedEvents: [Int64]
        let consumedEvents: [Int64]
    }

    struct Outcome: Codable, Sendable {
        let exchanges: [Exchange]
        let senders: [SenderTally]
        let dags: [DagTally]
        /// The asset event ids the answers reported as new, and those in the store (sorted).
        let answeredEventIds: [Int64]
        let storedEventIds: [Int64]

        /// Every asset event and dead letter in the store was reported as new by exactly one answer, and nothing
        /// else is there.
        var storeMatchesAnswers: Bool {
            storedEventIds == answeredEventIds && senders.allSatisfy { $0.storedDeadLetters == $0.deadLettered }
                && senders.allSatisfy { $0.storedEvents == $0.accepted }
        }
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let destinations = try Destinations()
        let orchestrator = Orchestrator(database: database)
        let gateway = try await gateway(on: orchestrator, destinations)
        try await orchestrator.requireFreshStore()
        let workload = Workload(seed: configuration.seed)
        var exchanges = try await orchestrator.withServices {
            try await EventideHTTPServer(components: [gateway]).withRunning { server in
                timeline.note("gateway listening on 127.0.0.1 (free port), POST /events/{shop,till,sensors}")
                let sent = try await send(workload.deliveries, to: server, timeline: timeline)
                try await orchestrator.scheduler.waitUntilRunsFinished(destinations.dags.map(\.dagId))
                return sent
            }
        }
        // A restart: a new runtime and gateway over the same file; nothing of the first is in memory.
        let reopened = Orchestrator(database: try EventideDatabase(path: database.path))
        let restarted = try await Self.gateway(on: reopened, destinations)
        timeline.note("runtime and gateway restarted on the same store")
        exchanges += try await reopened.withServices {
            try await EventideHTTPServer(components: [restarted]).withRunning { server in
                try await send([workload.retryAfterRestart], to: server, timeline: timeline)
            }
        }
        let outcome = try await measure(exchanges, gateway: restarted, orchestrator: reopened, destinations)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// Sends each delivery in order and notes the answer as it arrives.
    static func send(_ deliveries: [Delivery], to server: RunningServer, timeline: Timeline) async throws -> [Exchange]
    {
        let client = HTTPExampleClient(baseURL: server.baseURL)
        var exchanges: [Exchange] = []
        do {
            for delivery in deliveries {
                let answer = try await client.send(
                    .POST, "/events/\(delivery.sender)", headers: delivery.headers, body: delivery.body)
                let receipt =
                    answer.status == 202
                    ? try JSONDecoder().decode(GatewayReceipt.self, from: Data(answer.body.utf8)) : nil
                let location = answer.json?["detail"]?.arrayValue?.first?["loc"]?.arrayValue?.compactMap(\.stringValue)
                let exchange = Exchange(
                    sender: delivery.sender, intent: delivery.intent, label: delivery.label, status: answer.status,
                    events: receipt?.events ?? [], refusedAt: location)
                exchanges.append(exchange)
                timeline.note(narrate(exchange))
            }
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        return exchanges
    }

    /// One line per answer: where each event went, with retries collapsed into one clause.
    static func narrate(_ exchange: Exchange) -> String {
        let head = "\(exchange.sender) \(exchange.label) → \(exchange.status)"
        guard !exchange.events.isEmpty else {
            return head + " refused" + (exchange.refusedAt.map { " at \($0.joined(separator: "."))" } ?? "")
        }
        let again = exchange.events.filter(\.replayed).map { event in
            event.routed.map { "event #\($0.assetEventId)" } ?? event.deadLettered.map {
                "dead letter #\($0.deadLetterId)"
            }
                ?? event.fate.rawValue
        }
        var parts = again.isEmpty ? [] : ["already received: \(again.joined(separator: ", ")), nothing recorded"]
        for event in exchange.events where !event.replayed {
            if let routed = event.routed {
                parts.append(
                    "event #\(routed.assetEventId) on \(routed.asset.name) (rule \(routed.rule)) → runs: "
                        + routed.runs.map(\.dagId).joined(separator: ", "))
            } else if let letter = event.deadLettered {
                parts.append("dead letter #\(letter.deadLetterId) (\(letter.reason.kind.rawValue))")
            }
        }
        return head + ": " + parts.joined(separator: "; ")
    }

    /// Tallies per sender and per DAG from the answers and the store.
    static func measure(
        _ exchanges: [Exchange], gateway: EventGateway, orchestrator: Orchestrator, _ destinations: Destinations
    ) async throws -> Outcome {
        let scheduler = orchestrator.scheduler
        let events = try await scheduler.allAssetEvents()
        var senders: [SenderTally] = []
        for sender in gateway.senders.map(\.name) {
            let mine = exchanges.filter { $0.sender == sender }
            let dispositions = mine.flatMap(\.events)
            senders.append(
                SenderTally(
                    sender: sender,
                    accepted: dispositions.filter { $0.fate == .routed && !$0.replayed }.count,
                    deduplicated: dispositions.filter(\.replayed).count,
                    deadLettered: dispositions.filter { $0.fate == .deadLettered && !$0.replayed }.count,
                    refused: mine.filter { $0.status >= 400 }.count,
                    storedEvents: events.filter { $0.extra["gateway"]?["sender"]?.stringValue == sender }.count,
                    storedDeadLetters: try await orchestrator.triggerer.deadLetters
                        .list(source: gateway.deadLetterSource(of: sender)).count))
        }
        let routed = exchanges.flatMap(\.events).filter { !$0.replayed }.compactMap(\.routed)
        var dags: [DagTally] = []
        for asset in destinations.assets {
            for dagId in await scheduler.consumers(of: asset.key) {
                let runs = try await scheduler.runs(of: dagId)
                dags.append(
                    DagTally(
                        dagId: dagId, runs: runs.count, succeeded: runs.filter { $0.state == .success }.count,
                        routedEvents: routed.filter { $0.asset == asset.key }.map(\.assetEventId).sorted(),
                        consumedEvents: runs.flatMap(\.triggeringAssetEvents).map(\.id).sorted()))
            }
        }
        return Outcome(
            exchanges: exchanges, senders: senders, dags: dags,
            answeredEventIds: routed.map(\.assetEventId).sorted(), storedEventIds: events.map(\.id).sorted())
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let perSender = outcome.senders.map {
            "\($0.sender): accepted \($0.accepted), deduplicated \($0.deduplicated), dead-lettered \($0.deadLettered), "
                + "refused \($0.refused) (store: \($0.storedEvents) event(s), \($0.storedDeadLetters) dead letter(s))"
        }
        let perDag = outcome.dags.map {
            "\($0.dagId): \($0.runs) run(s), \($0.succeeded) succeeded, for \($0.routedEvents.count) routed event(s); "
                + "runs consumed exactly those: \($0.consumedEvents == $0.routedEvents)"
        }
        let restart = outcome.exchanges.filter { $0.intent == .retryAfterRestart }
        let firstIds = Dictionary(
            outcome.exchanges.flatMap { exchange in exchange.events.map { ($0.key, $0) } }.filter { !$0.1.replayed },
            uniquingKeysWith: { first, _ in first })
        let restartSame = restart.flatMap(\.events).allSatisfy { $0.replayed && firstIds[$0.key]?.routed == $0.routed }
        let refusals = outcome.exchanges.filter { $0.status >= 400 }
        return perSender + perDag + [
            "the store holds exactly the events and dead letters the answers reported as new: "
                + "\(outcome.storeMatchesAnswers) (\(outcome.storedEventIds.count) event(s), "
                + "\(outcome.senders.map(\.storedDeadLetters).reduce(0, +)) dead letter(s)); nothing for the "
                + "\(refusals.count) refused request(s) (\(refusals.map { String($0.status) }.joined(separator: ", "))) "
                + "or the retries",
            "retry after the restart got the first answer back: \(restartSame && !restart.isEmpty)",
        ]
    }
}

extension CustomEventGateway {
    /// One request a sender makes.
    struct Delivery: Sendable {
        let sender: String
        let intent: Intent
        let label: String
        let body: String
        let headers: [(String, String)]

        init(_ sender: String, _ intent: Intent, _ label: String, _ body: JSONValue, key: String? = nil) {
            self.sender = sender
            self.intent = intent
            self.label = label
            self.body = body.jsonText
            headers = key.map { [("Idempotency-Key", $0)] } ?? []
        }
    }

    /// The seeded workload: what each sender posts, in order.
    struct Workload: Sendable {
        let deliveries: [Delivery]
        let retryAfterRestart: Delivery
        /// The till's sale amount, as the till writes it ("129.42").
        let saleAmount: String

        init(seed: UInt64) {
            var random = SeededGenerator(seed: seed)
            let totals = (0..<3).map { _ in Double(Int.random(in: 500...20_000, using: &random)) / 100 }
            let tooWarm = Int.random(in: 0..<4, using: &random)
            let cold = (0..<6).map { _ in Double(Int.random(in: 20...70, using: &random)) / 10 }
            let warm = Double(Int.random(in: 90...120, using: &random)) / 10

            func cloudEvent(_ id: String, _ type: String, total: Double?) -> JSONValue {
                var data: [String: JSONValue] = ["order": .string("o-\(id.dropFirst(3))")]
                data["total"] = total.map(JSONValue.number)
                return [
                    "specversion": "1.0", "id": .string(id), "source": "/shop", "type": .string(type),
                    "subject": .string("o-\(id.dropFirst(3))"), "time": "2026-11-23T10:00:00Z", "data": .object(data),
                ]
            }
            func till(_ name: String, _ order: String, _ amount: String) -> JSONValue {
                ["EVT": .string(name), "ORDER": .string(order), "AMT": .string(amount), "TS": "2026-11-23T10:05:00Z"]
            }
            func readings(_ list: [(String, Int, Double?)]) -> JSONValue {
                .object([
                    "readings": .array(
                        list.map { device, seq, celsius in
                            var reading: [String: JSONValue] = ["device": .string(device), "seq": .number(Double(seq))]
                            reading["celsius"] = celsius.map(JSONValue.number)
                            return .object(reading)
                        })
                ])
            }
            let amount = String(format: "%.2f", totals[2])
            saleAmount = amount
            let firstBatch = [("fridge-1", 1), ("fridge-1", 2), ("fridge-2", 1), ("fridge-2", 2)].enumerated().map {
                ($1.0, $1.1, $0 == tooWarm ? warm : cold[$0]) as (String, Int, Double?)
            }
            let secondBatch = firstBatch + [("fridge-1", 3, cold[4]), ("fridge-2", 3, cold[5])]
            let sale = Delivery(
                "till", .new, "SALE o-2001 AMT \(amount)", till("SALE", "o-2001", amount), key: "till-5001")
            deliveries = [
                Delivery("shop", .new, "order.placed ce-1001", cloudEvent("ce-1001", "order.placed", total: totals[0])),
                Delivery("shop", .new, "order.placed ce-1002", cloudEvent("ce-1002", "order.placed", total: totals[1])),
                Delivery(
                    "shop", .retry, "order.placed ce-1001 again",
                    cloudEvent("ce-1001", "order.placed", total: totals[0])),
                Delivery(
                    "shop", .unroutable, "customer.moved ce-1003", cloudEvent("ce-1003", "customer.moved", total: nil)),
                Delivery(
                    "shop", .retry, "customer.moved ce-1003 again", cloudEvent("ce-1003", "customer.moved", total: nil)),
                Delivery(
                    "shop", .invalid, "a CloudEvent without type",
                    .object(
                        cloudEvent("ce-1004", "order.placed", total: 1).objectValue?.filter { $0.key != "type" } ?? [:])
                ),
                sale,
                Delivery("till", .new, "REFUND o-2001", till("REFUND", "o-2001", amount), key: "till-5002"),
                Delivery("till", .invalid, "SALE o-2002 AMT 12,50", till("SALE", "o-2002", "12,50"), key: "till-5003"),
                Delivery("till", .retry, "SALE o-2001 again", till("SALE", "o-2001", amount), key: "till-5001"),
                Delivery("till", .missingKey, "SALE o-2003 without Idempotency-Key", till("SALE", "o-2003", amount)),
                Delivery("sensors", .new, "batch of 4 readings", readings(firstBatch)),
                Delivery("sensors", .retry, "the 4 again with 2 new", readings(secondBatch)),
                Delivery("sensors", .invalid, "a reading without celsius", readings([("fridge-3", 1, nil)])),
                Delivery(
                    "mystery", .unknownSender, "order.placed (no such sender)",
                    cloudEvent("ce-9", "order.placed", total: 1)),
            ]
            retryAfterRestart = Delivery(
                "till", .retryAfterRestart, "SALE o-2001 again, after the restart", till("SALE", "o-2001", amount),
                key: "till-5001")
        }
    }
}
