import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex95_02_01_webhook_triggering

@Suite("95.2.1 Webhook-Based Triggering", .timeLimit(.minutes(5)))
struct WebhookTriggeringTests {
    typealias Step = WebhookTriggering.Step

    func run(_ configuration: WebhookTriggering.Configuration = .init()) async throws -> WebhookTriggering.Outcome {
        try await WebhookTriggering.run(configuration, database: TemporaryDatabase.make("95_02_01")).outcome
    }

    @Test("95.2.1/1 the REST API trigger endpoint creates the run over real HTTP on 127.0.0.1")
    func restTriggerEndpoint() async throws {
        let outcome = try await run()
        #expect(outcome.host == "127.0.0.1")
        let trigger = try #require(outcome.answer(.trigger))
        #expect(trigger.method == "POST" && trigger.path == "/api/v2/dags/fulfil_order/dagRuns")
        #expect(trigger.status == 200)
        #expect(trigger.body?["dag_run_id"] == .string(outcome.runId))
        #expect(trigger.body?["state"] == "queued")
        #expect(outcome.runType == .manual)
        #expect(outcome.runState == .success)
        let read = try #require(outcome.answer(.readRun))
        #expect(read.status == 200 && read.body?["state"] == "success")
    }

    @Test("95.2.1/2 the webhook's payload is the run's conf, and the tasks read it")
    func triggerWithConf() async throws {
        let outcome = try await run(.init(orderId: "B-7", amount: 12.5))
        #expect(outcome.confSent == ["order_id": "B-7", "amount": 12.5])
        #expect(outcome.confStored == outcome.confSent)
        #expect(outcome.answer(.trigger)?.body?["conf"] == outcome.confSent)
        #expect(outcome.validated == ["order_id": "B-7", "amount": 12.5])
        #expect(outcome.shipped == ["shipped": "B-7"])
        #expect(outcome.taskStates == ["validate": .success, "ship": .success])
        #expect(outcome.runId == "order-B-7")
    }

    @Test("95.2.1/3 a token from POST /auth/token is required, and its role decides: 401 without, 403 for a viewer")
    func authentication() async throws {
        let outcome = try await run()
        #expect(outcome.answer(.login)?.status == 201)
        #expect(outcome.answer(.viewerLogin)?.status == 201)
        #expect(outcome.answer(.noToken)?.status == 401)
        #expect(outcome.answer(.viewerTrigger)?.status == 403)
        // The token is not in the outcome; its kind is.
        let shown = try #require(outcome.answer(.login)?.body?["access_token"]?.stringValue)
        #expect(shown.contains("HS256") && !shown.contains("eyJ"))
        #expect(outcome.runsOfDag == 1, "the refused requests created no run")
    }

    @Test("95.2.1/4 answers follow Airflow's patterns: run shape, 422 list, 409, 404 with Airflow's message")
    func responsePatterns() async throws {
        let outcome = try await run()
        let keys = try #require(outcome.answer(.trigger)?.body?.objectValue?.keys)
        #expect(
            Set(keys).isSuperset(of: [
                "dag_run_id", "dag_id", "logical_date", "queued_at", "start_date", "end_date", "run_type", "state",
                "conf", "note", "triggered_by",
            ]))
        let bad = try #require(outcome.answer(.badBody))
        #expect(bad.status == 422)
        let types = bad.body?["detail"]?.arrayValue?.compactMap { $0["type"]?.stringValue }
        #expect(types == ["dict_type", "extra_forbidden"])
        let conflict = try #require(outcome.answer(.repeatedRunId))
        #expect(conflict.status == 409)
        #expect(conflict.body?["detail"]?["reason"] == "Unique constraint violation")
        let unknown = try #require(outcome.answer(.unknownDag))
        #expect(unknown.status == 404)
        #expect(unknown.body?["detail"] == "DAG with dag_id: 'fulfil_orders' not found")
        #expect(outcome.answers.map(\.step) == Step.allCases, "every request was answered, in order")
    }

    @Test("95.2.1/expected a webhook triggers the DAG, in-process and from the command line")
    func expectedBehavior() async throws {
        let outcome = try await run()
        #expect(outcome.answer(.trigger)?.status == 200 && outcome.runState == .success)
        await #expect(throws: WebhookTriggering.ScenarioError.invalidOrderId("a b")) {
            try await run(.init(orderId: "a b"))
        }
        try await expectRefusesUsedStore { try await WebhookTriggering.run(.init(), database: $0) }
        let cli = try ExampleProcess.checkCommandLine(
            "95_02_01_webhook_triggering", item: "95.2.1", badArguments: ["--amount", "-3"],
            expectInError: "--amount")
        #expect(cli["runsOfDag"] as? Int == 1)
        #expect(cli["runState"] as? String == "success")
    }
}
