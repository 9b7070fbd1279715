import Eventide
import EventideCLI
import EventideTesting
import Foundation
import Testing

@testable import Ex117_03_04_webhook_watcher

@Suite("117.3.4 Webhook Event Watcher", .timeLimit(.minutes(5)))
struct WebhookWatcherTests {
    typealias Example = WebhookWatcher
    static let environment = [
        "GITHUB_WEBHOOK_SECRETS": "gh-secret-from-env", "STRIPE_WEBHOOK_SECRETS": "whsec_from_env",
    ]

    func run(_ configuration: Example.Configuration = .init(environment: environment)) async throws
        -> ExampleReport<Example.Outcome>
    {
        try await Example.run(configuration, database: TemporaryDatabase.make("117_03_04"))
    }

    @Test("117.3.4/1 POST /webhooks/{source} on 127.0.0.1 accepts signed deliveries with 202 and knows its sources")
    func endpoint() async throws {
        let outcome = try await run().outcome
        #expect(outcome.sources == ["github", "stripe"])
        let push = try #require(outcome.exchange(.push)), payment = try #require(outcome.exchange(.payment))
        #expect(push.path == "/webhooks/github" && push.status == 202 && push.fate == .accepted)
        #expect(payment.path == "/webhooks/stripe" && payment.status == 202)
        #expect(outcome.exchange(.unknownSource)?.status == 404)
        #expect(outcome.exchanges.map(\.delivery) == Example.Delivery.allCases, "every request was sent, in order")
    }

    @Test("117.3.4/1 the command line: --help, --json, a bad --tolerance; a reused database is refused")
    func commandLine() async throws {
        let cli = try ExampleProcess.checkCommandLine(
            "117_03_04_webhook_watcher", item: "117.3.4", badArguments: ["--tolerance", "0"],
            expectInError: "--tolerance")
        let exchanges = try #require(cli["exchanges"] as? [[String: Any]])
        #expect(exchanges.compactMap { $0["status"] as? Int } == [202, 202, 200, 401, 401, 400, 400, 422, 413, 404])
        try await expectRefusesUsedStore {
            try await Example.run(.init(environment: Self.environment), database: $0)
        }
    }

    @Test("117.3.4/2 payloads are checked before anything is recorded: malformed JSON 400, no ref 422, 100 KiB 413")
    func validation() async throws {
        let outcome = try await run().outcome
        let malformed = try #require(outcome.exchange(.malformedJSON))
        let noRef = try #require(outcome.exchange(.pushWithoutRef))
        let oversized = try #require(outcome.exchange(.oversized))
        #expect(malformed.status == 400 && noRef.status == 422 && oversized.status == 413)
        #expect(oversized.bytes > 64 * 1024)
        // The answers are Airflow's error shape; the schema refusal names the missing field as FastAPI does.
        let detail = try #require(try JSONValue.parse(noRef.answer)["detail"]?.arrayValue?.first)
        #expect(detail["loc"] == ["body"] && detail["type"] == "schema_violation")
        #expect(try JSONValue.parse(malformed.answer)["detail"]?.stringValue != nil)
        for refused in [malformed, noRef, oversized] {
            #expect(refused.eventsInStore == 2 && refused.runsInStore == 2, "nothing recorded for \(refused.delivery)")
        }
    }

    @Test("117.3.4/3 each accepted delivery is one asset event with the trigger's extra, and runs its consumer once")
    func assetEvents() async throws {
        let outcome = try await run().outcome
        #expect(outcome.events.map(\.asset) == ["repo_events", "payments"])
        #expect(outcome.events.map(\.watcher) == ["webhook:github", "webhook:stripe"])
        #expect(outcome.events.map(\.deliveryId) == ["72d3162e-cc78-11e3-81ab-4c9367dc0958", "evt_1QvXq2Lk"])
        #expect(outcome.events.map(\.eventType) == ["push", "payment_intent.succeeded"])
        #expect(outcome.events.allSatisfy { $0.fromTrigger })
        #expect(outcome.runs.map(\.dagId) == ["build_on_push", "book_payment"])
        #expect(outcome.runs.allSatisfy { $0.state == .success })
        #expect(outcome.runs.map(\.eventIds) == outcome.events.map { [$0.id] })
        let build = try #require(outcome.runs.first?.read?.arrayValue?.first)
        #expect(build["ref"] == "refs/heads/main" && build["delivery"] == "72d3162e-cc78-11e3-81ab-4c9367dc0958")
        #expect(outcome.runs.last?.read?.arrayValue?.first?["amount"] == 4200)
        // The push's answer came with the event id and the run it created.
        let push = try #require(outcome.exchange(.push))
        #expect(push.eventId == outcome.events.first?.id && push.createdRuns == 1)
        #expect(push.committedWhenAnswered == true && outcome.exchange(.payment)?.committedWhenAnswered == true)
        // Replayed: 200 with the first event, nothing new.
        let replay = try #require(outcome.exchange(.replayedPush))
        #expect(replay.status == 200 && replay.fate == .duplicate && replay.eventId == push.eventId)
        #expect(replay.createdRuns == 0 && replay.eventsInStore == 2 && replay.runsInStore == 2)
    }

    @Test("117.3.4/4 only deliveries signed with the configured secrets get in, within the timestamp tolerance")
    func authentication() async throws {
        let report = try await run()
        let outcome = report.outcome
        #expect(outcome.exchange(.forgedSignature)?.status == 401)
        #expect(outcome.exchange(.unsigned)?.status == 401)
        #expect(outcome.exchange(.staleTimestamp)?.status == 400)
        let refused = outcome.exchanges.filter { $0.fate == .refused }
        #expect(refused.allSatisfy { $0.eventsInStore == 2 && $0.runsInStore == 2 && $0.eventId == nil })
        // Secrets come from the environment and never show.
        #expect(outcome.secrets == ["GITHUB_WEBHOOK_SECRETS": .environment, "STRIPE_WEBHOOK_SECRETS": .environment])
        for rendered in [report.render(json: false), report.render(json: true)] {
            #expect(!rendered.contains("gh-secret-from-env") && !rendered.contains("whsec_from_env"))
        }
        // A tighter tolerance still accepts a delivery signed now and refuses the late one.
        let tight = try await run(.init(environment: Self.environment, tolerance: .seconds(5))).outcome
        #expect(tight.exchange(.payment)?.status == 202 && tight.exchange(.staleTimestamp)?.status == 400)
        // Unset variables get a secret generated for the run.
        let generated = try await run(.init(environment: [:])).outcome
        #expect(generated.secrets.values.allSatisfy { $0 == .generated })
        #expect(generated.exchange(.push)?.status == 202)
    }
}
