import Eventide
import EventideCLI
import EventideHTTP
import EventideHTTPCLI
import Foundation

/// Plays GitHub against the workflows of `WebhookWorkflows.swift` over real HTTP: a ping, pushes and pull requests,
/// a delivery redelivered and one sent several times at once, the secret rotated mid-run (both valid, then the old
/// one retired), and deliveries refused for their payload. Counts, per delivery id, the answers, the events and the
/// runs each DAG made.
extension WebhookWorkflows {
    static let item = "117.10.4"
    static let title = "Webhook-Driven Workflows"
    static let dagIds = ["route_github_event", "ci_build", "pr_checks"]

    struct Configuration: Sendable {
        /// Where `GITHUB_WEBHOOK_SECRETS` is read from; unset, a random secret stands in for this run.
        var environment: [String: String] = ProcessInfo.processInfo.environment
        /// Copies of one delivery sent at once (a sender that timed out and retried while the first was in flight).
        var parallelCopies = 3
    }

    enum SecretOrigin: String, Codable, Sendable { case environment, generated }

    /// Which secrets the receiver holds: the original; the rotated one and the original; the rotated one only.
    enum Phase: String, Codable, Sendable { case original, overlap, retired }

    /// The secret a delivery was signed with.
    enum Signer: String, Codable, Sendable { case original, rotated }

    /// One request and its answer, as received.
    struct Attempt: Codable, Sendable, Hashable {
        let delivery: String
        let event: String
        let phase: Phase
        let signer: Signer
        let status: Int
        let answer: String
        let fate: WebhookFate
        let eventId: Int64?
        /// The label of the secret that verified it (read from the recorded event).
        let verifiedBy: String?
        let createdRuns: Int
        /// The answer's event and runs were in the store when it arrived (`nil`: the answer named none).
        let committedWhenAnswered: Bool?
    }

    /// Everything one delivery id led to.
    struct Tally: Codable, Sendable, Hashable {
        let delivery: String
        let event: String
        let statuses: [Int]
        let events: Int
        let routerRuns: Int
        /// Workflow DAG → runs on this delivery.
        let workflowRuns: [String: Int]
    }

    struct Run: Codable, Sendable, Hashable {
        let dagId: String
        let runId: String
        let state: DagRunState
        let deliveries: [String]
        let read: JSONValue?
    }

    struct Outcome: Codable, Sendable {
        let secret: SecretOrigin
        let attempts: [Attempt]
        let tallies: [Tally]
        let runs: [Run]

        func tally(_ delivery: String) -> Tally? { tallies.first { $0.delivery == delivery } }
        func attempts(_ delivery: String) -> [Attempt] { attempts.filter { $0.delivery == delivery } }
    }

    /// One delivery of the story.
    struct Delivery: Sendable {
        let id: String
        let event: String
        let body: String
        let signer: Signer
        var copies = 1
        let says: String
    }

    enum Step: Sendable {
        case send(Delivery)
        case rotate(to: Phase)
    }

    /// The secrets of the story: the original (from the environment, or generated) and the one rotated in.
    struct Secrets: Sendable {
        let originalValue: String
        let rotatedValue: String

        func environment(_ phase: Phase, base: [String: String]) -> [String: String] {
            var environment = base
            environment[secretVariable] =
                switch phase {
                case .original: originalValue
                case .overlap: rotatedValue + "," + originalValue
                case .retired: rotatedValue
                }
            return environment
        }

        /// What the sender signs with (GitHub signs with the one secret its hook is configured with).
        func signer(_ signer: Signer) -> WebhookSecret {
            let value = signer == .original ? originalValue : rotatedValue
            return WebhookSecret(value.split(separator: ",").first.map(String.init) ?? value, label: signer.rawValue)
        }
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let given = configuration.environment[secretVariable]?.trimmingCharacters(in: .whitespaces) ?? ""
        let secrets = Secrets(
            originalValue: given.isEmpty ? WebhookSecret.newValue() : given, rotatedValue: WebhookSecret.newValue())
        let assets = try Assets()
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(
            dags: [try router(assets)] + (try workflows(assets)),
            assets: [assets.deliveries, assets.pushes, assets.pullRequests])
        try await orchestrator.requireFreshStore()
        let scheduler = orchestrator.scheduler
        let receiver = try receiver(
            assets, scheduler: scheduler, environment: secrets.environment(.original, base: configuration.environment))
        timeline.note(
            "\(secretVariable) \(given.isEmpty ? "generated for this run" : "from the environment") "
                + "(values never printed); routes: push → ci_build, pull_request → pr_checks")
        let attempts = try await orchestrator.withServices {
            try await EventideHTTPServer(components: [receiver]).withRunning { server in
                timeline.note("listening on \(server.baseURL): POST /webhooks/github")
                let client = HTTPExampleClient(baseURL: server.baseURL)
                do {
                    var attempts: [Attempt] = []
                    var phase = Phase.original
                    for step in story(copies: configuration.parallelCopies) {
                        switch step {
                        case .rotate(let next):
                            phase = next
                            try reloadSecrets(
                                of: receiver, environment: secrets.environment(next, base: configuration.environment))
                            timeline.note(rotationNote(next))
                        case .send(let delivery):
                            attempts += try await send(
                                delivery, phase: phase, secrets: secrets, client: client, scheduler: scheduler,
                                timeline: timeline)
                        }
                    }
                    try await client.shutdown()
                    return attempts
                } catch {
                    try? await client.shutdown()
                    throw error
                }
            }
        }
        let runs = try await allRuns(scheduler)
        let outcome = Outcome(
            secret: given.isEmpty ? .generated : .environment, attempts: attempts,
            tallies: try await tallies(attempts, runs: runs, scheduler: scheduler), runs: runs)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// The deliveries GitHub sends, and the operator's rotation between them.
    static func story(copies: Int) -> [Step] {
        let repository = #""repository":{"full_name":"acme/shop"}"#
        func push(_ sha: String, ref: String = "refs/heads/main") -> String {
            #"{"ref":"\#(ref)","after":"\#(sha)",\#(repository)}"#
        }
        func pullRequest(_ action: String, number: Int, head: String) -> String {
            #"{"action":"\#(action)","number":\#(number),"pull_request":{"head":{"sha":"\#(head)"}},\#(repository)}"#
        }
        return [
            .send(
                Delivery(
                    id: "0a1b2c3d-0001-11f0-8c1a-3e5f0e7a9b01", event: "ping",
                    body: #"{"zen":"Design for failure.","hook_id":42,\#(repository)}"#, signer: .original,
                    says: "the hook was created")),
            .send(
                Delivery(
                    id: "0a1b2c3d-0002-11f0-8c1a-3e5f0e7a9b01", event: "push",
                    body: push("6dcb09b5b57875f334f61aebed695e2e4193db5e"), signer: .original, says: "push to main")),
            .send(
                Delivery(
                    id: "0a1b2c3d-0003-11f0-8c1a-3e5f0e7a9b01", event: "pull_request",
                    body: pullRequest("opened", number: 17, head: "c0ffee5b57875f334f61aebed695e2e4193db5e"),
                    signer: .original, says: "pull_request #17 opened")),
            .send(
                Delivery(
                    id: "0a1b2c3d-0002-11f0-8c1a-3e5f0e7a9b01", event: "push",
                    body: push("6dcb09b5b57875f334f61aebed695e2e4193db5e"), signer: .original,
                    says: "the push to main redelivered (same X-GitHub-Delivery)")),
            .send(
                Delivery(
                    id: "0a1b2c3d-0004-11f0-8c1a-3e5f0e7a9b01", event: "push",
                    body: push("a3f1c9e0b57875f334f61aebed695e2e4193db5e"), signer: .original, copies: copies,
                    says: "\(copies) copies of a push at once (a retry while the first was in flight)")),
            .rotate(to: .overlap),
            .send(
                Delivery(
                    id: "0a1b2c3d-0005-11f0-8c1a-3e5f0e7a9b01", event: "pull_request",
                    body: pullRequest("synchronize", number: 17, head: "feed5b57875f334f61aebed695e2e4193db5e00"),
                    signer: .original, says: "pull_request #17 synchronize, still signed with the original secret")),
            .send(
                Delivery(
                    id: "0a1b2c3d-0006-11f0-8c1a-3e5f0e7a9b01", event: "push",
                    body: push("b4e2d0f1b57875f334f61aebed695e2e4193db5e"), signer: .rotated,
                    says: "push signed with the rotated secret (the hook was updated)")),
            .rotate(to: .retired),
            .send(
                Delivery(
                    id: "0a1b2c3d-0007-11f0-8c1a-3e5f0e7a9b01", event: "push",
                    body: push("c5f3e1a2b57875f334f61aebed695e2e4193db5e", ref: "refs/heads/release"),
                    signer: .original, says: "a late push signed with the retired secret")),
            .send(
                Delivery(
                    id: "0a1b2c3d-0007-11f0-8c1a-3e5f0e7a9b01", event: "push",
                    body: push("c5f3e1a2b57875f334f61aebed695e2e4193db5e", ref: "refs/heads/release"),
                    signer: .rotated, says: "the same push redelivered, signed with the rotated secret")),
            .send(
                Delivery(
                    id: "0a1b2c3d-0008-11f0-8c1a-3e5f0e7a9b01", event: "push",
                    body: #"{"ref":"refs/heads/main",\#(repository)}"#, signer: .rotated,
                    says: "push without its commit (after)")),
            .send(
                Delivery(
                    id: "0a1b2c3d-0009-11f0-8c1a-3e5f0e7a9b01", event: "pull_request",
                    body: #"{"action":"opened","number":18,"pull_req"#, signer: .rotated,
                    says: "pull_request with a cut-off body")),
        ]
    }

    static func rotationNote(_ phase: Phase) -> String {
        switch phase {
        case .original: "the receiver holds the original secret"
        case .overlap: "rotation: \(secretVariable) = <rotated>,<original>, reloaded without a restart (both verify)"
        case .retired: "rotation done: \(secretVariable) = <rotated>, reloaded (the original no longer verifies)"
        }
    }

    /// Sends a delivery (all its copies at once), notes each answer as received, waits until the DAGs are idle and
    /// notes each run it led to, stamped when it ended.
    static func send(
        _ delivery: Delivery, phase: Phase, secrets: Secrets, client: HTTPExampleClient, scheduler: Scheduler,
        timeline: Timeline
    ) async throws -> [Attempt] {
        let ledger = try await RunLedger(scheduler, dags: dagIds)
        let signer = secrets.signer(delivery.signer)
        let headers = [
            ("X-GitHub-Delivery", delivery.id), ("X-GitHub-Event", delivery.event),
            WebhookSignatureScheme.github.signatureHeader(
                body: Array(delivery.body.utf8), secrets: [signer], at: Date()),
        ]
        let sentAt = Date()
        let answers = try await withThrowingTaskGroup(of: HTTPExchange.self) { group in
            for _ in 0..<delivery.copies {
                group.addTask {
                    try await client.send(.POST, "/webhooks/github", headers: headers, body: delivery.body)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }.sorted { $0.status > $1.status }
        }
        var committed: [Bool?] = []
        let stored = try await scheduler.allAssetEvents()
        for receipt in answers.map({ try? WebhookReceipt.decode($0.body) }) {
            guard let receipt else {
                committed.append(nil)
                continue
            }
            var found = stored.contains { $0.id == receipt.eventId }
            for run in receipt.createdDagruns
            where try await scheduler.run(.init(dagId: run.dagId, runId: run.dagRunId)) == nil {
                found = false
            }
            committed.append(found)
        }
        try await scheduler.waitUntilIdle(dagIds)
        timeline.note(
            "POST /webhooks/github \(delivery.event) \(delivery.id.prefix(13))…, \(delivery.says) → "
                + answers.map { "\($0.status) \($0.body)" }.joined(separator: " | "), at: sentAt)
        let events = try await scheduler.allAssetEvents()
        var attempts: [Attempt] = []
        for (answer, committed) in zip(answers, committed) {
            let receipt = try? WebhookReceipt.decode(answer.body)
            let event = receipt.flatMap { receipt in events.first { $0.id == receipt.eventId } }
            attempts.append(
                Attempt(
                    delivery: delivery.id, event: delivery.event, phase: phase, signer: delivery.signer,
                    status: answer.status, answer: answer.body, fate: WebhookFate(status: answer.status),
                    eventId: receipt?.eventId, verifiedBy: event?.extra["verified_by"]?.stringValue,
                    createdRuns: receipt?.createdDagruns.count ?? 0, committedWhenAnswered: committed))
        }
        for dagId in dagIds {
            for run in try await ledger.newRuns(of: dagId) {
                let what: String
                if run.taskInstances.first?.state == .skipped {
                    what = "skipped: no workflow for \(delivery.event)"
                } else if dagId == "route_github_event" {
                    let handed = events.filter {
                        if case .task(_, let runId, _) = $0.source { runId == run.runId } else { false }
                    }
                    what = "handed it to " + handed.map(\.asset.name).joined(separator: ", ")
                } else {
                    what = "read " + (run.taskInstances.first?.returnValue?.jsonText ?? "nothing")
                }
                timeline.note("  \(dagId) \(run.state.rawValue), \(what)", at: run.endedAt ?? Date())
            }
        }
        return attempts
    }

    /// The delivery ids the events a run consumed came from (a router run's events carry them in their extra,
    /// and so do the events it hands on).
    static func deliveries(of run: DagRun) -> [String] {
        run.triggeringAssetEvents.compactMap { $0.extra["delivery_id"]?.stringValue }
    }

    static func allRuns(_ scheduler: Scheduler) async throws -> [Run] {
        var runs: [Run] = []
        for dagId in dagIds {
            runs += try await scheduler.runs(of: dagId).map {
                Run(
                    dagId: $0.dagId, runId: $0.runId, state: $0.state, deliveries: deliveries(of: $0),
                    read: $0.taskInstances.first?.returnValue)
            }
        }
        return runs
    }

    /// Per delivery id, in the order first sent: its answers, the events recorded for it, the runs of each DAG.
    static func tallies(_ attempts: [Attempt], runs: [Run], scheduler: Scheduler) async throws -> [Tally] {
        let events = try await scheduler.allAssetEvents()
        var order: [String] = []
        for attempt in attempts where !order.contains(attempt.delivery) { order.append(attempt.delivery) }
        return order.map { id in
            let sent = attempts.filter { $0.delivery == id }
            let onIt = runs.filter { $0.deliveries.contains(id) }
            return Tally(
                delivery: id, event: sent.first?.event ?? "", statuses: sent.map(\.status),
                events: events.filter {
                    $0.asset.name == "github_deliveries" && $0.extra["delivery_id"]?.stringValue == id
                }
                .count,
                routerRuns: onIt.filter { $0.dagId == "route_github_event" }.count,
                workflowRuns: Dictionary(
                    onIt.filter { $0.dagId != "route_github_event" }.map { ($0.dagId, 1) }, uniquingKeysWith: +))
        }
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let byType = Dictionary(grouping: outcome.runs.filter { $0.dagId != "route_github_event" }, by: \.dagId)
        let skipped = outcome.tallies.filter { $0.events == 1 && $0.workflowRuns.isEmpty }.map(\.event)
        let retried = outcome.tallies.filter { $0.statuses.count > 1 && $0.events > 0 }
        let atMostOnce = outcome.tallies.allSatisfy { tally in
            tally.events <= 1 && tally.routerRuns <= 1 && tally.workflowRuns.values.allSatisfy { $0 <= 1 }
        }
        let refused = outcome.tallies.filter { $0.events == 0 }
        let accepted = outcome.attempts.filter { $0.fate == .accepted }
        let duplicates = outcome.attempts.filter { $0.fate == .duplicate }
        let refusals = outcome.attempts.filter { $0.fate == .refused }
        /// The answers to deliveries signed with `signer` while the receiver held `phase`'s secrets (accepted, or
        /// refused for the signature; payload refusals are the last clause's).
        func answers(_ phase: Phase, _ signer: Signer) -> String {
            let sent = outcome.attempts.filter {
                $0.phase == phase && $0.signer == signer && [200, 202, 401].contains($0.status)
            }
            let statuses = Dictionary(grouping: sent, by: \.status).sorted { $0.key > $1.key }
                .map { "\($0.value.count)× \($0.key)" }
            let verifiers = Set(sent.compactMap(\.verifiedBy)).sorted()
            return statuses.joined(separator: ", ")
                + (verifiers.isEmpty ? "" : " (verified by \(verifiers.joined(separator: ", ")))")
        }
        return [
            "routed by event type: "
                + byType.keys.sorted().map { "\($0) \(byType[$0]?.count ?? 0) run(s)" }
                .joined(separator: ", ") + "; no workflow for " + skipped.joined(separator: ", "),
            "retried deliveries ran once: "
                + retried.map {
                    "\($0.delivery.prefix(13))… answers \($0.statuses.map(String.init).joined(separator: ", ")) → "
                        + "\($0.events) event, \($0.routerRuns) router run, \($0.workflowRuns.values.reduce(0, +)) workflow run"
                }.joined(separator: "; ") + "; every delivery id at most one event and one run per DAG: \(atMostOnce)",
            "rotation mid-run: before it, the original secret got \(answers(.original, .original)); both held: "
                + "original \(answers(.overlap, .original)), rotated \(answers(.overlap, .rotated)); original retired: "
                + "original \(answers(.retired, .original)), rotated \(answers(.retired, .rotated))",
            "refused and never recorded: "
                + refused.map {
                    "\($0.event) \($0.delivery.prefix(13))… \($0.statuses.map(String.init).joined(separator: ", "))"
                }
                .joined(separator: "; ") + " (events for them: \(refused.map(\.events).reduce(0, +)))",
            "answers: \(accepted.count)× 202 each naming its event and \(accepted.map(\.createdRuns).reduce(0, +)) run(s) "
                + "created, in the store when the answer arrived: \(accepted.allSatisfy { $0.committedWhenAnswered == true }); "
                + "\(duplicates.count)× 200 naming the first event, runs created: \(duplicates.map(\.createdRuns).reduce(0, +)); "
                + "refusals: " + refusals.map { String($0.status) }.joined(separator: ", "),
        ]
    }
}
