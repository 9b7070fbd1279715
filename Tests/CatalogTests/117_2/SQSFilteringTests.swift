import Eventide
import EventideAWS
import EventideS3
import EventideSQS
import EventideTesting
import Foundation
import Testing
@testable import EventideSQSCLI
@testable import Ex117_02_01_sqs_watcher_setup
@testable import Ex117_02_02_sqs_filtering
@testable import Ex117_02_03_s3_sqs_events
@testable import Ex117_02_04_sqs_batch_processing
@testable import Ex117_02_05_sqs_dlq

@Suite("117.2.2 SQS Message Filtering", .timeLimit(.minutes(10)))
struct SQSFilteringTests {
    typealias Example = SQSFiltering

    func run(attributePolicy: String = Example.defaultAttributePolicy, bodyPolicy: String = Example.defaultBodyPolicy,
             service: (EventideDatabase) -> any QueueService = { EmbeddedQueue(database: $0) },
             queue: String = "commerce-events") async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_02_02")
        return try await Example.run(
            .init(queue: queue, attributePolicy: try FilterPolicy(json: attributePolicy),
                  bodyPolicy: try FilterPolicy(json: bodyPolicy, scope: .messageBody)),
            service: service(database), database: database).outcome
    }

    func fate(_ outcome: Example.Outcome, _ label: String) -> Example.Fate? { outcome.fates.first { $0.label == label } }

    @Test("117.2.2/1 the attribute policy skips other regions and internal types; another policy keeps other messages")
    func attributeFilters() async throws {
        let outcome = try await run()
        #expect(fate(outcome, "us order placed")?.kind == .filtered && fate(outcome, "us order placed")?.detail == "attribute policy")
        #expect(fate(outcome, "internal audit")?.kind == .filtered)
        #expect(fate(outcome, "eu order placed")?.kind == .recorded)
        let us = try await run(attributePolicy: #"{"region": [{"prefix": "us-"}]}"#)
        #expect(us.fates.filter { $0.kind == .recorded }.map(\.label) == ["us order placed"], "only the us message passes now")
        _ = try ExampleProcess.checkCommandLine("117_02_02_sqs_filtering", item: "117.2.2",
                                                badArguments: ["--attribute-policy", #"{"type": "order"}"#],
                                                expectInError: "--attribute-policy")
    }

    @Test("117.2.2/2 the body policy skips a non-JSON body and a zero amount; a looser policy records the zero amount")
    func bodyPatterns() async throws {
        let outcome = try await run()
        #expect(fate(outcome, "health ping")?.detail == "body policy (body is not JSON)")
        #expect(fate(outcome, "zero-amount test order")?.kind == .filtered && fate(outcome, "zero-amount test order")?.detail == "body policy")
        let looser = try await run(bodyPolicy: #"{"amount": [{"numeric": [">=", 0]}]}"#)
        #expect(fate(looser, "zero-amount test order")?.kind == .recorded)
        #expect(fate(looser, "health ping")?.kind == .filtered)
    }

    @Test("117.2.2/3 each recorded type runs exactly its own handler; a type without a handler is dead-lettered with the reason")
    func multipleTypes() async throws {
        let outcome = try await run()
        let expected: [String: String] = ["eu order placed": "handle_order_placed", "eu payment": "handle_payment_captured",
                                          "eu order cancelled": "handle_order_cancelled"]
        for (label, handler) in expected {
            let states = try #require(outcome.handlers[label])
            #expect(states[handler] == .success)
            #expect(states.filter { $0.key != handler }.values.allSatisfy { $0 == .skipped }, "\(label): \(states)")
        }
        let refund = try #require(fate(outcome, "eu refund (no handler)"))
        #expect(refund.kind == .deadLettered && refund.detail.contains("no handler for message type 'refund.requested'"))
        #expect(outcome.inDeadLetterQueue == 1, "rejected into the queue's own dead-letter queue, not lost")
    }

    @Test("117.2.2/4 skipped messages are acknowledged and counted, make no run, and never restart the watcher")
    func skipGracefully() async throws {
        let outcome = try await run()
        #expect(outcome.filtered == 4 && outcome.fates.filter { $0.kind == .filtered }.count == 4)
        #expect(outcome.eventsSeen == 8 && outcome.eventsRecorded == 3 && outcome.deadLettered == 1)
        #expect(outcome.restarts == 0)
        #expect(outcome.handlers.count == 3, "runs only for the recorded messages")
        #expect(outcome.visibleAtEnd == 0 && outcome.inFlightAtEnd == 0, "skipped messages were deleted, not left to redeliver")
    }

    @Test("117.2.2/3 on moto's SQS the same messages meet the same fates", .enabled(if: Moto.enabled, Moto.reason))
    func onSQS() async throws {
        let embedded = try await run()
        let sqs = try await run(service: { _ in Moto.service() }, queue: Moto.queue("commerce"))
        #expect(sqs.fates.map(\.kind) == embedded.fates.map(\.kind))
        #expect(sqs.fates.map(\.detail) == embedded.fates.map(\.detail))
        #expect(sqs.inDeadLetterQueue == 1 && sqs.visibleAtEnd == 0 && sqs.inFlightAtEnd == 0)
        #expect(sqs.service == "SQS at http://127.0.0.1:5000 (us-east-1)")
    }
}
