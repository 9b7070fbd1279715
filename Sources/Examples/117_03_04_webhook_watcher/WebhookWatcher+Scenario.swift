import Eventide
import EventideCLI
import EventideHTTP
import EventideHTTPCLI
import Foundation

/// Drives the receiver of `WebhookWatcher.swift` over real HTTP: a GitHub push and a Stripe payment, signed as
/// their senders sign them, the push replayed, and six deliveries that must be refused (a forged signature, no
/// signature, a stale timestamp, malformed JSON, a push without its ref, an oversized body) plus an unknown
/// source. Every answer is kept as received, with the store's counts right after it.
extension WebhookWatcher {
    static let item = "117.3.4"
    static let title = "Webhook Event Watcher"
    static let secretVariables = ["GITHUB_WEBHOOK_SECRETS", "STRIPE_WEBHOOK_SECRETS"]

    struct Configuration: Sendable {
        /// Where the secrets are read from; a variable that is unset gets a random secret for this run.
        var environment: [String: String] = ProcessInfo.processInfo.environment
        /// How far a Stripe timestamp may be from the receiver's clock.
        var tolerance: Duration = .seconds(300)
    }

    /// Where a source's secret came from (its value is never printed).
    enum SecretOrigin: String, Codable, Sendable { case environment, generated }

    /// The requests of the story.
    enum Delivery: String, Codable, Sendable, CaseIterable {
        case push, payment
        case replayedPush = "replayed_push"
        case forgedSignature = "forged_signature"
        case unsigned
        case staleTimestamp = "stale_timestamp"
        case malformedJSON = "malformed_json"
        case pushWithoutRef = "push_without_ref"
        case oversized
        case unknownSource = "unknown_source"
    }

    struct Exchange: Codable, Sendable, Hashable {
        let delivery: Delivery
        let path: String
        let bytes: Int
        let status: Int
        /// The answer's body, as received.
        let answer: String
        let fate: WebhookFate
        let eventId: Int64?
        let createdRuns: Int
        /// The answer's event and runs were in the store when it arrived (`nil`: the answer named none).
        let committedWhenAnswered: Bool?
        /// Asset events and runs in the store right after the answer.
        let eventsInStore: Int
        let runsInStore: Int
    }

    struct ConsumerRun: Codable, Sendable, Hashable {
        let dagId: String
        let runId: String
        let state: DagRunState
        let eventIds: [Int64]
        /// What the task read from the delivery.
        let read: JSONValue?
    }

    struct RecordedEvent: Codable, Sendable, Hashable {
        let id: Int64
        let asset: String
        let watcher: String
        let deliveryId: String
        let eventType: String?
        let fromTrigger: Bool
    }

    struct Outcome: Codable, Sendable {
        let sources: [String]
        let secrets: [String: SecretOrigin]
        let exchanges: [Exchange]
        let events: [RecordedEvent]
        let runs: [ConsumerRun]

        func exchange(_ delivery: Delivery) -> Exchange? { exchanges.first { $0.delivery == delivery } }
    }

    /// One request: what it is, where it goes, its body and headers.
    struct Request: Sendable {
        let delivery: Delivery
        let path: String
        let body: String
        let headers: [(String, String)]
        let says: String
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        var environment = configuration.environment
        var origins: [String: SecretOrigin] = [:]
        for variable in secretVariables {
            let set = !(environment[variable] ?? "").trimmingCharacters(in: .whitespaces).isEmpty
            origins[variable] = set ? .environment : .generated
            if !set { environment[variable] = WebhookSecret.newValue() }
        }
        let assets = try Assets()
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: try dags(assets), assets: [assets.repoEvents, assets.payments])
        try await orchestrator.requireFreshStore()
        let receiver = try receiver(
            assets, scheduler: orchestrator.scheduler, environment: environment, tolerance: configuration.tolerance)
        timeline.note(
            "secrets: "
                + secretVariables.map { "\($0) \(origins[$0] == .environment ? "from the environment" : "generated")" }
                .joined(separator: ", ") + " (values never printed)")
        let requests = try requests(environment: environment, now: orchestrator.clock.date, configuration)
        let scheduler = orchestrator.scheduler
        let exchanges = try await orchestrator.withServices {
            try await EventideHTTPServer(components: [receiver]).withRunning { server in
                timeline.note("listening on \(server.baseURL): POST /webhooks/{source} for \(receiver.sourceNames)")
                let client = HTTPExampleClient(baseURL: server.baseURL)
                do {
                    var exchanges: [Exchange] = []
                    for request in requests {
                        exchanges.append(
                            try await send(request, client: client, scheduler: scheduler, timeline: timeline))
                    }
                    try await client.shutdown()
                    return exchanges
                } catch {
                    try? await client.shutdown()
                    throw error
                }
            }
        }
        let outcome = Outcome(
            sources: receiver.sourceNames, secrets: origins, exchanges: exchanges,
            events: try await scheduler.allAssetEvents().map(recordedEvent),
            runs: try await consumerRuns(scheduler))
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// Sends one request, notes the answer as received, and — for an accepted delivery — waits for the runs it
    /// created and notes what each read.
    static func send(
        _ request: Request, client: HTTPExampleClient, scheduler: Scheduler, timeline: Timeline
    ) async throws -> Exchange {
        let sentAt = Date()
        let answer = try await client.send(.POST, request.path, headers: request.headers, body: request.body)
        let receipt = try? WebhookReceipt.decode(answer.body)
        let stored = try await scheduler.allAssetEvents()
        var committed: Bool?
        if let receipt {
            committed = stored.contains { $0.id == receipt.eventId }
            for run in receipt.createdDagruns
            where try await scheduler.run(.init(dagId: run.dagId, runId: run.dagRunId)) == nil {
                committed = false
            }
        }
        let events = stored.count
        let runs = try await consumerRuns(scheduler).count
        // One line per exchange, stamped when the request went out: the answer as received and the store after it
        // (a consumer run can end before the answer reaches the client; its own line is stamped when it ended).
        timeline.note(
            "POST \(request.path) \(request.says) (\(request.body.utf8.count) bytes) → \(answer.status) \(answer.body); "
                + "store: \(events) asset event(s), \(runs) run(s)", at: sentAt)
        for created in receipt?.createdDagruns ?? [] {
            let finished = try await scheduler.waitForFinishedRuns(
                of: created.dagId, count: try await scheduler.runs(of: created.dagId).count)
            guard let run = finished.first(where: { $0.runId == created.dagRunId }) else { continue }
            timeline.note(
                "  \(run.dagId) \(run.state.rawValue) on event #\(run.triggeringAssetEvents.map { String($0.id) }.joined(separator: ", #")), "
                    + "read \(run.taskInstances.first?.returnValue?.jsonText ?? "nothing")",
                at: run.endedAt ?? Date())
        }
        return Exchange(
            delivery: request.delivery, path: request.path, bytes: request.body.utf8.count, status: answer.status,
            answer: answer.body, fate: WebhookFate(status: answer.status), eventId: receipt?.eventId,
            createdRuns: receipt?.createdDagruns.count ?? 0, committedWhenAnswered: committed, eventsInStore: events,
            runsInStore: runs)
    }

    /// The story's requests, signed as GitHub and Stripe sign them (the senders hold the same secrets).
    static func requests(
        environment: [String: String], now: Date, _ configuration: Configuration
    ) throws -> [Request] {
        let github = try WebhookSecret.fromEnvironment("GITHUB_WEBHOOK_SECRETS", environment: environment)
        let stripe = try WebhookSecret.fromEnvironment("STRIPE_WEBHOOK_SECRETS", environment: environment)
        let forger = WebhookSecret("a guess", label: "a guessed secret")
        func githubHeaders(_ body: String, delivery: String, event: String = "push", signer: WebhookSecret?) -> [(
            String, String
        )] {
            [("X-GitHub-Delivery", delivery), ("X-GitHub-Event", event)]
                + (signer.map {
                    [WebhookSignatureScheme.github.signatureHeader(body: Array(body.utf8), secrets: [$0], at: now)]
                } ?? [])
        }
        func stripeHeaders(_ body: String, at date: Date) -> [(String, String)] {
            [WebhookSignatureScheme.stripe.signatureHeader(body: Array(body.utf8), secrets: stripe, at: date)]
        }
        let repository = #""repository":{"full_name":"acme/shop"}"#
        let push = #"{"ref":"refs/heads/main","after":"6dcb09b5b57875f334f61aebed695e2e4193db5e",\#(repository)}"#
        let forged = #"{"ref":"refs/heads/release","after":"deadbeefdeadbeefdeadbeefdeadbeefdeadbeef",\#(repository)}"#
        let payment = stripeEvent(id: "evt_1QvXq2Lk", amount: 4200)
        let stale = stripeEvent(id: "evt_1QvXq9Zp", amount: 990)
        let late = now.addingTimeInterval(-(configuration.tolerance.inSeconds + 60))
        let truncated = #"{"ref":"refs/heads/main","after":"#
        let noRef = #"{"after":"1c2b3a4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",\#(repository)}"#
        let huge =
            #"{"ref":"refs/heads/main","after":"6dcb09b5b57875f334f61aebed695e2e4193db5e","#
            + #""blob":""# + String(repeating: "x", count: 100 * 1024) + #"",\#(repository)}"#
        let secret = github.first?.label ?? ""
        return [
            Request(
                delivery: .push, path: "/webhooks/github", body: push,
                headers: githubHeaders(push, delivery: "72d3162e-cc78-11e3-81ab-4c9367dc0958", signer: github.first),
                says: "push 72d3162e… signed with \(secret)"),
            Request(
                delivery: .payment, path: "/webhooks/stripe", body: payment, headers: stripeHeaders(payment, at: now),
                says: "payment_intent.succeeded evt_1QvXq2Lk signed now"),
            Request(
                delivery: .replayedPush, path: "/webhooks/github", body: push,
                headers: githubHeaders(push, delivery: "72d3162e-cc78-11e3-81ab-4c9367dc0958", signer: github.first),
                says: "the same push again (delivery 72d3162e…)"),
            Request(
                delivery: .forgedSignature, path: "/webhooks/github", body: forged,
                headers: githubHeaders(forged, delivery: "a1b2c3d4-0000-11e3-81ab-4c9367dc0958", signer: forger),
                says: "push a1b2c3d4… signed with \(forger.label)"),
            Request(
                delivery: .unsigned, path: "/webhooks/github", body: push,
                headers: githubHeaders(push, delivery: "b2c3d4e5-0000-11e3-81ab-4c9367dc0958", signer: nil),
                says: "push b2c3d4e5… without a signature"),
            Request(
                delivery: .staleTimestamp, path: "/webhooks/stripe", body: stale,
                headers: stripeHeaders(stale, at: late),
                says: "charge evt_1QvXq9Zp signed \(Int(configuration.tolerance.inSeconds) + 60) s ago"),
            Request(
                delivery: .malformedJSON, path: "/webhooks/github", body: truncated,
                headers: githubHeaders(
                    truncated, delivery: "c3d4e5f6-0000-11e3-81ab-4c9367dc0958", signer: github.first),
                says: "push c3d4e5f6… with a truncated body, signed"),
            Request(
                delivery: .pushWithoutRef, path: "/webhooks/github", body: noRef,
                headers: githubHeaders(noRef, delivery: "d4e5f6a7-0000-11e3-81ab-4c9367dc0958", signer: github.first),
                says: "push d4e5f6a7… without its ref, signed"),
            Request(
                delivery: .oversized, path: "/webhooks/github", body: huge,
                headers: githubHeaders(huge, delivery: "e5f6a7b8-0000-11e3-81ab-4c9367dc0958", signer: github.first),
                says: "push e5f6a7b8… of 100 KiB, signed"),
            Request(
                delivery: .unknownSource, path: "/webhooks/gitlab", body: push,
                headers: githubHeaders(push, delivery: "f6a7b8c9-0000-11e3-81ab-4c9367dc0958", signer: github.first),
                says: "a push to a source nobody configured"),
        ]
    }

    static func stripeEvent(id: String, amount: Int) -> String {
        #"{"id":"\#(id)","type":"payment_intent.succeeded","data":{"object":{"amount":\#(amount),"currency":"eur"}}}"#
    }

    static func recordedEvent(_ event: AssetEvent) -> RecordedEvent {
        let watcher: String
        if case .watcher(let name, _) = event.source { watcher = name } else { watcher = event.source.kind }
        return RecordedEvent(
            id: event.id, asset: event.asset.name, watcher: watcher,
            deliveryId: event.extra["delivery_id"]?.stringValue ?? "",
            eventType: event.extra["event_type"]?.stringValue,
            fromTrigger: event.extra["from_trigger"] == true)
    }

    static func consumerRuns(_ scheduler: Scheduler) async throws -> [ConsumerRun] {
        var runs: [ConsumerRun] = []
        for dagId in ["build_on_push", "book_payment"] {
            runs += try await scheduler.runs(of: dagId).map {
                ConsumerRun(
                    dagId: $0.dagId, runId: $0.runId, state: $0.state, eventIds: $0.triggeringAssetEvents.map(\.id),
                    read: $0.taskInstances.first?.returnValue)
            }
        }
        return runs
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let accepted = outcome.exchanges.filter { $0.fate == .accepted }
        let refused = outcome.exchanges.filter { $0.fate == .refused }
        let replay = outcome.exchange(.replayedPush)
        let first = outcome.exchange(.push)
        let before = outcome.exchanges.firstIndex { $0.fate == .refused }.flatMap {
            $0 > 0 ? outcome.exchanges[$0 - 1] : nil
        }
        let eachRunOnItsEvent = outcome.runs.allSatisfy { $0.state == .success && $0.eventIds.count == 1 }
        return [
            "POST /webhooks/{source} accepted \(accepted.count) signed deliveries with 202 "
                + "(\(outcome.events.map { "#\($0.id) \($0.asset)" }.joined(separator: ", "))); each answer's event and runs "
                + "were in the store when it arrived: \(accepted.allSatisfy { $0.committedWhenAnswered == true }); the consumer "
                + "DAGs ran \(outcome.runs.count) time(s), each on its delivery's event, all succeeded: \(eachRunOnItsEvent)",
            "the replayed delivery was answered \(replay?.status ?? 0) with event #\(replay?.eventId ?? 0) "
                + "(the first was #\(first?.eventId ?? 0)); runs it created: \(replay?.createdRuns ?? 0)",
            "refused: " + refused.map { "\($0.delivery.rawValue) \($0.status)" }.joined(separator: ", ")
                + "; events in store across the refusals: \(Set(refused.map(\.eventsInStore)).sorted()) "
                + "(before them: \(before?.eventsInStore ?? 0)), runs: \(Set(refused.map(\.runsInStore)).sorted())",
            "every event came from a webhook watcher with Airflow's trigger extra: "
                + "\(outcome.events.allSatisfy { $0.fromTrigger && $0.watcher.hasPrefix("webhook:") }); secrets "
                + outcome.secrets.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.rawValue)" }.joined(
                    separator: ", "),
        ]
    }
}
