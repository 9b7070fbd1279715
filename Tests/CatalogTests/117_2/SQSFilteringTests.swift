import Eventide
import EventideCLI
import EventideTesting
import Testing

@testable import EventideSQSCLI
@testable import Ex117_02_02_sqs_filtering

@Suite("117.2.2 SQS Message Filtering", .timeLimit(.minutes(10)))
struct SQSFilteringTests {
    typealias Example = SQSFiltering

    func run(
        attributePolicy: String = Example.defaultAttributePolicy, bodyPolicy: String = Example.defaultBodyPolicy,
        service: (EventideDatabase) -> any QueueService = { EmbeddedQueue(database: $0) },
        queue: String = "commerce-events"
    ) async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_02_02")
        return try await Example.run(
            .init(queue: queue, attributePolicy: attributePolicy, bodyPolicy: bodyPolicy),
            service: service(database), database: database
        ).outcome
    }

    func decision(_ outcome: Example.Outcome, _ label: String) -> Example.Decision? {
        outcome.fates.first { $0.label == label }?.decision
    }

    @Test("117.2.2/1 the attribute policy skips other regions and internal types; another policy keeps other messages")
    func attributeFilters() async throws {
        let outcome = try await run()
        #expect(decision(outcome, "us order placed") == .skipped(.attributePolicy))
        #expect(decision(outcome, "internal audit") == .skipped(.attributePolicy))
        #expect(decision(outcome, "eu order placed") == .kept(type: "order.placed"))
        let us = try await run(attributePolicy: #"{"region": [{"prefix": "us-"}]}"#)
        #expect(
            us.fates.filter { if case .kept = $0.decision { true } else { false } }.map(\.label) == ["us order placed"],
            "only the us message passes now")
        _ = try ExampleProcess.checkCommandLine(
            "117_02_02_sqs_filtering", item: "117.2.2",
            badArguments: ["--attribute-policy", #"{"type": "order"}"#],
            expectInError: "--attribute-policy")
        let empty = try ExampleProcess.run("117_02_02_sqs_filtering", ["--queue", ""])
        #expect(empty.status != 0 && empty.stderr.contains("--queue"))
    }

    @Test("117.2.2/2 the body policy skips a non-JSON body and a zero amount; a looser policy records the zero amount")
    func bodyPatterns() async throws {
        let outcome = try await run()
        #expect(decision(outcome, "health ping") == .skipped(.bodyNotJSON))
        #expect(decision(outcome, "zero-amount test order") == .skipped(.bodyPolicy))
        let looser = try await run(bodyPolicy: #"{"amount": [{"numeric": [">=", 0]}]}"#)
        #expect(decision(looser, "zero-amount test order") == .kept(type: "order.placed"))
        #expect(decision(looser, "health ping") == .skipped(.bodyNotJSON))
    }

    @Test(
        "117.2.2/3 each recorded type runs exactly its own handler; a type without a handler is dead-lettered with the reason"
    )
    func multipleTypes() async throws {
        let outcome = try await run()
        let expected: [String: String] = [
            "eu order placed": "handle_order_placed", "eu payment": "handle_payment_captured",
            "eu order cancelled": "handle_order_cancelled",
        ]
        for (label, handler) in expected {
            let states = try #require(outcome.handlers[label])
            #expect(states[handler] == .success)
            #expect(states.filter { $0.key != handler }.values.allSatisfy { $0 == .skipped }, "\(label): \(states)")
        }
        let refund = try #require(outcome.fates.first { $0.label == "eu refund (no handler)" })
        #expect(refund.decision == .refused(.noHandler(type: "refund.requested")))
        #expect(
            outcome.deadLetters[refund.messageId]
                == Example.HandlerError.noHandler(type: "refund.requested").description,
            "the dead letter keeps the refusal as its reason")
        #expect(outcome.deadLetters.count == 1)
        #expect(outcome.inDeadLetterQueue == 1, "rejected into the queue's own dead-letter queue, not lost")
    }

    @Test("117.2.2/4 skipped messages are acknowledged and counted, make no run, and never restart the watcher")
    func skipGracefully() async throws {
        let outcome = try await run()
        let skipped = outcome.fates.filter { if case .skipped = $0.decision { true } else { false } }
        #expect(outcome.filtered == 4 && skipped.count == 4)
        #expect(outcome.eventsSeen == 8 && outcome.eventsRecorded == 3 && outcome.deadLettered == 1)
        #expect(outcome.restarts == 0)
        #expect(outcome.handlers.count == 3, "runs only for the recorded messages")
        #expect(!skipped.contains { outcome.handlers[$0.label] != nil }, "no skipped message made a run")
        #expect(
            outcome.visibleAtEnd == 0 && outcome.inFlightAtEnd == 0,
            "skipped messages were deleted, not left to redeliver")
    }

    @Test("117.2.2/4 each reason is recorded when the watcher decides: one decision per message seen, in queue order")
    func reasonsRecordedWhenDecided() async throws {
        let outcome = try await run()
        #expect(
            outcome.fates.count == outcome.eventsSeen, "every message seen was decided once, nothing added afterwards")
        #expect(Set(outcome.fates.map(\.messageId)).count == Example.messages.count)
        #expect(outcome.fates.map(\.label) == Example.messages.map(\.label), "decided in the order the queue delivered")
    }

    @Test("117.2.2/4 a --db an earlier run used is refused before any message is sent or received")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { database in
            try await Example.run(.init(), service: EmbeddedQueue(database: database), database: database)
        }
    }

    @Test("117.2.2/3 on moto's SQS the same messages meet the same fates", .enabled(if: Moto.enabled, Moto.reason))
    func onSQS() async throws {
        let embedded = try await run()
        let sqs = try await run(service: { _ in Moto.service() }, queue: Moto.queue("commerce"))
        let decisions = { (outcome: Example.Outcome) in
            Dictionary(outcome.fates.map { ($0.label, $0.decision) }, uniquingKeysWith: { first, _ in first })
        }
        #expect(decisions(sqs) == decisions(embedded) && sqs.fates.count == embedded.fates.count)
        #expect(sqs.inDeadLetterQueue == 1 && sqs.visibleAtEnd == 0 && sqs.inFlightAtEnd == 0)
        #expect(sqs.service == "SQS at http://127.0.0.1:5000 (us-east-1)")
    }

    @Test(
        "117.2.2/3 on moto, a queue that still holds messages is refused, and its messages are left as they were",
        .enabled(if: Moto.enabled, Moto.reason))
    func refusesQueueWithMessages() async throws {
        let queue = Moto.queue("commerce"), service = Moto.service()
        try await service.createQueue(queue + "-dlq", QueueSettings())
        try await service.createQueue(
            queue,
            QueueSettings(
                visibilityTimeout: .seconds(5), deadLetterQueue: queue + "-dlq",
                maxReceives: 3))
        _ = try await service.send(queue, body: #"{"order": 9, "amount": 1}"#, attributes: ["type": "order.placed"])
        let error = await #expect(throws: ExampleError.self) {
            _ = try await run(service: { _ in service }, queue: queue)
        }
        guard case .queueNotEmpty(_, let messages) = error else {
            Issue.record("expected ExampleError.queueNotEmpty, got \(String(describing: error))")
            return
        }
        #expect(messages == 1)
        let counts = try await service.counts(queue)
        #expect(counts.visible == 1 && counts.inFlight == 0, "nothing received, nothing deleted")
    }
}
