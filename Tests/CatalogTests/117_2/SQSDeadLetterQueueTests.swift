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

@Suite("117.2.5 SQS Dead Letter Queue Handling", .timeLimit(.minutes(10)))
struct SQSDeadLetterQueueTests {
    typealias Example = SQSDeadLetterQueue

    func run(_ configuration: Example.Configuration = .init(),
             service: (EventideDatabase) -> any QueueService = { EmbeddedQueue(database: $0) }) async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_02_05")
        return try await Example.run(configuration, service: service(database), database: database).outcome
    }

    func fate(_ outcome: Example.Outcome, _ label: String) -> Example.Fate? { outcome.fates.first { $0.label == label } }

    @Test("117.2.5/1 failed payments reach the DLQ by rejection (with the reason) and by the redrive policy; none is lost")
    func deadLetterQueue() async throws {
        let outcome = try await run()
        #expect(outcome.mainDeadLettered == 3 && outcome.deadLettersSeen == 4, "3 rejected by the watcher, 1 by the redrive policy")
        #expect(fate(outcome, "amount as text")?.deadLetterReason == "'amount' is not a positive number")
        #expect(fate(outcome, "garbage")?.deadLetterReason == "body is not a JSON object")
        #expect(fate(outcome, "retried by a crashing worker")?.deadLetterReason?.contains("received 2 times") == true)
        #expect(fate(outcome, "valid")?.deadLetterReason == nil && fate(outcome, "valid")?.fate == "recorded")
        #expect(!outcome.fates.contains { $0.fate == "lost" } && outcome.mainRestarts == 0)
        #expect(outcome.queueLeft == 0 && outcome.deadLetterQueueLeft == 0)
        _ = try ExampleProcess.checkCommandLine("117_02_05_sqs_dlq", item: "117.2.5",
                                                badArguments: ["--max-receives", "0"], expectInError: "--max-receives")
    }

    @Test("117.2.5/1 on moto's SQS the redrive policy and the rejections route the same payments", .enabled(if: Moto.enabled, Moto.reason))
    func onSQS() async throws {
        let embedded = try await run()
        let sqs = try await run(.init(queue: Moto.queue("payments")), service: { _ in Moto.service() })
        #expect(sqs.fates.map(\.fate) == embedded.fates.map(\.fate))
        #expect(sqs.deadLettersSeen == 4 && sqs.mainDeadLettered == 3 && sqs.alerts.count == 1)
        #expect(sqs.queueLeft == 0 && sqs.deadLetterQueueLeft == 0)
    }

    @Test("117.2.5/2 a watcher on the DLQ turns every dead letter into an asset event; the payments watcher counts its rejections")
    func monitorDeadLetters() async throws {
        let outcome = try await run(.init(maxReceives: 3))
        #expect(outcome.deadLettersSeen == 4 && outcome.mainDeadLettered == 3)
        #expect(fate(outcome, "retried by a crashing worker")?.deadLetterReason?.contains("received 3 times") == true,
                "moved after --max-receives receives")
        #expect(outcome.reprocessRuns >= 1)
    }

    @Test("117.2.5/3 the reprocessing DAG repairs and redrives what it can (booked afterwards) and parks the rest")
    func reprocessing() async throws {
        let outcome = try await run()
        #expect(outcome.redriven == 3 && outcome.parked == ["%%% not a payment %%%"])
        for label in ["amount as text", "lowercase currency", "retried by a crashing worker"] {
            #expect(fate(outcome, label)?.fate == "recorded after redrive", "\(label)")
        }
        #expect(fate(outcome, "garbage")?.fate == "parked")
        #expect(outcome.mainRecorded == 5, "two valid payments plus three after the round trip")
    }

    @Test("117.2.5/4 an alert is published once when dead letters reach the threshold within the window, and not below it")
    func alertOnAccumulation() async throws {
        let atThree = try await run(.init(alertThreshold: 3))
        #expect(atThree.alerts.count == 1 && atThree.alerts.allSatisfy { $0.deadLetters >= 3 && $0.deadLetters <= 4 },
                "\(atThree.alerts): counted when the run saw at least 3 (runs batch the dead letters queued meanwhile)")
        let atOne = try await run(.init(alertThreshold: 1))
        #expect(atOne.alerts.count == 1, "one alert per window, not one per dead letter")
        let atFive = try await run(.init(alertThreshold: 5))
        #expect(atFive.alerts.isEmpty, "4 dead letters stay below 5")
    }
}
