import Eventide
import EventideCLI
import EventideTesting
import Foundation
import Testing

@testable import Ex117_10_04_webhook_workflows

@Suite("117.10.4 Webhook-Driven Workflows", .timeLimit(.minutes(5)))
struct WebhookWorkflowsTests {
    typealias Example = WebhookWorkflows
    static let push = "0a1b2c3d-0002-11f0-8c1a-3e5f0e7a9b01"
    static let parallel = "0a1b2c3d-0004-11f0-8c1a-3e5f0e7a9b01"
    static let late = "0a1b2c3d-0007-11f0-8c1a-3e5f0e7a9b01"

    func run(copies: Int = 3, environment: [String: String] = [:]) async throws -> Example.Outcome {
        try await Example.run(
            .init(environment: environment, parallelCopies: copies), database: TemporaryDatabase.make("117_10_04")
        ).outcome
    }

    @Test("117.10.4/1 GitHub deliveries drive workflows by event type: push → ci_build, pull_request → pr_checks")
    func externalWebhooks() async throws {
        let outcome = try await run()
        let workflows = outcome.runs.filter { $0.dagId != "route_github_event" }
        #expect(workflows.filter { $0.dagId == "ci_build" }.count == 4)
        #expect(workflows.filter { $0.dagId == "pr_checks" }.count == 2)
        #expect(outcome.runs.allSatisfy { $0.state == .success })
        // Each workflow run read its own delivery's payload.
        for tally in outcome.tallies where !tally.workflowRuns.isEmpty {
            let expected = tally.event == "push" ? "ci_build" : "pr_checks"
            #expect(tally.workflowRuns == [expected: 1], "\(tally.delivery)")
        }
        let opened = try #require(outcome.runs.first { $0.dagId == "pr_checks" }?.read?.arrayValue?.first)
        #expect(opened["read"]?["number"] == 17 && opened["read"]?["action"] == "opened")
        #expect(opened["delivery"] == "0a1b2c3d-0003-11f0-8c1a-3e5f0e7a9b01")
        // A ping is a delivery like any other, but no workflow handles it.
        let ping = try #require(outcome.tallies.first)
        #expect(ping.event == "ping" && ping.events == 1 && ping.routerRuns == 1 && ping.workflowRuns.isEmpty)
    }

    @Test("117.10.4/1 the command line: --help, --json, a bad --copies; a reused database is refused")
    func commandLine() async throws {
        let cli = try ExampleProcess.checkCommandLine(
            "117_10_04_webhook_workflows", item: "117.10.4", badArguments: ["--copies", "1"],
            expectInError: "--copies")
        let tallies = try #require(cli["tallies"] as? [[String: Any]])
        #expect(tallies.allSatisfy { ($0["events"] as? Int ?? 2) <= 1 })
        try await expectRefusesUsedStore { try await Example.run(.init(environment: [:]), database: $0) }
    }

    @Test("117.10.4/2 payloads are validated before they are recorded: no commit 422, a cut-off body 400")
    func payloadValidation() async throws {
        let outcome = try await run()
        let refused = outcome.tallies.filter { $0.events == 0 && !$0.statuses.contains(401) }
        #expect(refused.map(\.statuses) == [[422], [400]])
        #expect(refused.allSatisfy { $0.routerRuns == 0 && $0.workflowRuns.isEmpty })
        let missing = try #require(outcome.attempts.first { $0.status == 422 })
        #expect(try JSONValue.parse(missing.answer)["detail"]?.arrayValue?.first?["type"] == "schema_violation")
    }

    @Test("117.10.4/3 secrets rotate mid-run: both verify during the overlap, the retired one is refused")
    func security() async throws {
        let outcome = try await run(environment: ["GITHUB_WEBHOOK_SECRETS": "from-the-environment"])
        #expect(outcome.secret == .environment)
        func statuses(_ phase: Example.Phase, _ signer: Example.Signer) -> [Int] {
            outcome.attempts.filter { $0.phase == phase && $0.signer == signer }.map(\.status)
        }
        #expect(statuses(.original, .rotated).isEmpty)
        #expect(Set(statuses(.original, .original)) == [200, 202])
        #expect(statuses(.overlap, .original) == [202] && statuses(.overlap, .rotated) == [202])
        #expect(statuses(.retired, .original) == [401])
        #expect(statuses(.retired, .rotated).first == 202)
        // Which secret verified each: the original is second in the list during the overlap.
        let overlap = outcome.attempts.filter { $0.phase == .overlap }
        #expect(overlap.map(\.verifiedBy) == ["GITHUB_WEBHOOK_SECRETS#2", "GITHUB_WEBHOOK_SECRETS#1"])
        // The refused late delivery recorded nothing; redelivered with the rotated secret it ran once.
        let late = try #require(outcome.tally(Self.late))
        #expect(late.statuses == [401, 202] && late.events == 1 && late.routerRuns == 1)
        #expect(late.workflowRuns == ["ci_build": 1])
        let secret = "from-the-environment"
        #expect(!outcome.attempts.contains { $0.answer.contains(secret) })
    }

    @Test(
        "117.10.4/4 answers come after the commit: 202 with the event and the runs it made, 200 with the first event; a retried delivery never runs twice",
        arguments: [2, 5])
    func responses(copies: Int) async throws {
        let outcome = try await run(copies: copies)
        let first = try #require(outcome.attempts(Self.push).first)
        #expect(first.status == 202 && first.createdRuns == 1 && first.eventId != nil)
        #expect(outcome.attempts.filter { $0.fate == .accepted }.allSatisfy { $0.committedWhenAnswered == true })
        #expect(outcome.attempts.filter { $0.fate == .refused }.allSatisfy { $0.committedWhenAnswered == nil })
        let redelivered = try #require(outcome.attempts(Self.push).last)
        #expect(redelivered.status == 200 && redelivered.eventId == first.eventId && redelivered.createdRuns == 0)
        // Sent `copies` times at once: exactly one was accepted, the others answered with its event.
        let parallel = outcome.attempts(Self.parallel)
        #expect(parallel.count == copies)
        #expect(parallel.filter { $0.status == 202 }.count == 1)
        #expect(parallel.filter { $0.status == 200 }.count == copies - 1)
        #expect(Set(parallel.compactMap(\.eventId)).count == 1)
        // Measured per delivery id: at most one event, one router run and one run of each workflow.
        for tally in outcome.tallies {
            #expect(tally.events <= 1 && tally.routerRuns == tally.events, "\(tally.delivery)")
            #expect(tally.workflowRuns.values.allSatisfy { $0 == 1 }, "\(tally.delivery)")
        }
        #expect(outcome.tally(Self.parallel)?.workflowRuns == ["ci_build": 1])
        #expect(outcome.tally(Self.push)?.workflowRuns == ["ci_build": 1])
    }
}
