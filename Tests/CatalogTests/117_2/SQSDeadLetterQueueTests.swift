import Eventide
import EventideTesting
import Testing

@testable import Ex117_02_05_sqs_dlq

@Suite("117.2.5 SQS Dead Letter Queue Handling", .timeLimit(.minutes(10)))
struct SQSDeadLetterQueueTests {
    typealias Example = SQSDeadLetterQueue

    func run(
        _ configuration: Example.Configuration = .init(),
        service: (EventideDatabase) -> any QueueService = { EmbeddedQueue(database: $0) }
    ) async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_02_05")
        return try await Example.run(configuration, service: service(database), database: database).outcome
    }

    func fate(_ outcome: Example.Outcome, _ payment: Example.Payment) throws -> Example.Fate {
        try #require(outcome.fates.first { $0.payment == payment })
    }

    @Test(
        "117.2.5/1 failed payments reach the DLQ by rejection (with the reason) and by the redrive policy; none is lost"
    )
    func deadLetterQueue() async throws {
        let outcome = try await run()
        #expect(
            outcome.mainDeadLettered == 3 && outcome.deadLettersSeen == 4,
            "3 rejected by the watcher, 1 by the redrive policy")
        #expect(try fate(outcome, .amountAsText).deadLetter == .rejected(.amountNotPositive))
        #expect(try fate(outcome, .lowercaseCurrency).deadLetter == .rejected(.currencyNotISO4217))
        #expect(try fate(outcome, .garbage).deadLetter == .rejected(.notAnObject))
        // What the watcher rejected with is what the dead letter carried.
        for fate in outcome.fates {
            if case .rejected(let error) = fate.deadLetter { #expect(fate.rejectedWith == error, "\(fate.payment)") }
        }
        #expect(try fate(outcome, .crashedWorker).deadLetter == .redrivePolicy)
        #expect(try fate(outcome, .crashedWorker).rejectedWith == nil && outcome.crashingWorkerReceives == 2)
        #expect(try fate(outcome, .valid) == .init(payment: .valid, fate: .booked, deadLetter: nil, rejectedWith: nil))
        #expect(!outcome.fates.contains { $0.fate == .lost } && outcome.mainRestarts == 0)
        #expect(outcome.queueLeft == 0 && outcome.deadLetterQueueLeft == 0)
        _ = try ExampleProcess.checkCommandLine(
            "117_02_05_sqs_dlq", item: "117.2.5",
            badArguments: ["--queue", ""], expectInError: "--queue")
    }

    @Test("117.2.5/1 a queue name SQS would refuse (for the queue or its -dlq) is refused before anything runs")
    func queueNames() throws {
        for name in ["", "pay ments", String(repeating: "q", count: 77)] {
            #expect(throws: Example.ScenarioError.invalidQueueName(name)) {
                try Example.Configuration(queue: name).validate()
            }
        }
        try Example.Configuration(queue: String(repeating: "q", count: 76)).validate()
    }

    @Test("117.2.5/1 a --db an earlier run filled is refused, not counted again")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { database in
            try await Example.run(.init(), service: EmbeddedQueue(database: database), database: database)
        }
    }

    @Test(
        "117.2.5/1 on moto's SQS the redrive policy and the rejections route the same payments",
        .enabled(if: Moto.enabled, Moto.reason))
    func onSQS() async throws {
        let embedded = try await run()
        let sqs = try await run(.init(queue: Moto.queue("payments")), service: { _ in Moto.service() })
        #expect(sqs.fates == embedded.fates)
        #expect(sqs.deadLettersSeen == 4 && sqs.mainDeadLettered == 3 && sqs.alerts.count == 1)
        #expect(sqs.queueLeft == 0 && sqs.deadLetterQueueLeft == 0)
    }

    @Test(
        "117.2.5/2 a watcher on the DLQ turns every dead letter into an asset event; the payments watcher counts its rejections"
    )
    func monitorDeadLetters() async throws {
        let outcome = try await run(.init(maxReceives: 3))
        #expect(outcome.deadLettersSeen == 4 && outcome.mainDeadLettered == 3)
        #expect(
            outcome.fates.filter { $0.deadLetter != nil }.map(\.payment)
                == [.crashedWorker, .amountAsText, .lowercaseCurrency, .garbage],
            "each dead letter recorded as an asset event")
        #expect(
            try fate(outcome, .crashedWorker).deadLetter == .redrivePolicy && outcome.crashingWorkerReceives == 3,
            "moved after --max-receives receives without a delete")
        #expect(outcome.reprocessRuns >= 1)
    }

    @Test("117.2.5/3 the reprocessing DAG repairs and redrives what it can (booked afterwards) and parks the rest")
    func reprocessing() async throws {
        let outcome = try await run()
        #expect(outcome.redriven == 3 && outcome.parked == [.garbage])
        for payment in [Example.Payment.amountAsText, .lowercaseCurrency, .crashedWorker] {
            #expect(try fate(outcome, payment).fate == .bookedAfterRedrive, "\(payment)")
        }
        #expect(try fate(outcome, .garbage).fate == .parked)
        #expect(outcome.mainRecorded == 5, "two valid payments plus three after the round trip")
    }

    @Test(
        "117.2.5/4 an alert is published once when dead letters reach the threshold within the window, and not below it"
    )
    func alertOnAccumulation() async throws {
        let atThree = try await run(.init(alertThreshold: 3))
        #expect(
            atThree.alerts.map(\.deadLetters) == [3] && atThree.alerts.map(\.raisedAfter) == [.lowercaseCurrency],
            "raised by the run that saw the third dead letter")
        let atOne = try await run(.init(alertThreshold: 1))
        #expect(atOne.reprocessRuns == 4 && atOne.alerts.count == 1, "one alert per window, not one per dead letter")
        let atFive = try await run(.init(alertThreshold: 5))
        #expect(atFive.alerts.isEmpty, "4 dead letters stay below 5")
    }
}
