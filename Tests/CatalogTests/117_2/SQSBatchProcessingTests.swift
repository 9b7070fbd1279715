import Eventide
import EventideTesting
import Testing

@testable import Ex117_02_04_sqs_batch_processing

@Suite("117.2.4 SQS Batch Processing Pattern", .timeLimit(.minutes(10)))
struct SQSBatchProcessingTests {
    typealias Example = SQSBatchProcessing

    func run(
        _ configuration: Example.Configuration = .init(),
        service: (EventideDatabase) -> any QueueService = { EmbeddedQueue(database: $0) }
    ) async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_02_04")
        return try await Example.run(configuration, service: service(database), database: database).outcome
    }

    /// Batches holding the spaced messages (their clicks are above the backlog's).
    func trickleBatches(_ part: Example.Part, burst: Int) -> [Example.Batch] {
        part.batches.filter { $0.clicks.contains { $0 > burst } }
    }

    @Test("117.2.4/1 one trigger event carries many messages: fewer asset events and runs than messages, none lost")
    func multipleMessagesPerTrigger() async throws {
        let outcome = try await run()
        #expect(outcome.perMessage.runs == 38 && outcome.perMessage.assetEvents == 38)
        #expect(outcome.batched.assetEvents == outcome.batched.runs && outcome.batched.runs < 38)
        #expect(
            outcome.batched.batches.flatMap(\.clicks).sorted() == Array(1...38), "every message in exactly one batch")
        _ = try ExampleProcess.checkCommandLine(
            "117_02_04_sqs_batch_processing", item: "117.2.4",
            badArguments: ["--queue", ""], expectInError: "--queue")
    }

    @Test("117.2.4/1 a queue name SQS would refuse is refused before anything runs")
    func queueNames() throws {
        for name in ["", "has space", String(repeating: "q", count: 69)] {
            #expect(throws: Example.ScenarioError.invalidQueueName(name)) {
                try Example.Configuration(queue: name).validate()
            }
        }
        try Example.Configuration(queue: String(repeating: "q", count: 68)).validate()
    }

    @Test("117.2.4/1 a --db an earlier run filled is refused, not counted again")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { database in
            try await Example.run(.init(trickle: 0), service: EmbeddedQueue(database: database), database: database)
        }
    }

    @Test("117.2.4/2 a batch closes when full or when the window fires; a wider window gathers the spaced messages")
    func sizeAndWindow() async throws {
        // 1 s apart, so a watcher slowed by a loaded machine still takes each spaced message before the next.
        let narrow = try await run(.init(trickleGap: .seconds(1), batchSize: 5, window: .milliseconds(200)))
        #expect(narrow.batched.batches.allSatisfy { $0.size <= 5 })
        #expect(
            narrow.batched.batches.filter { $0.closedBy == .full }.count >= 6, "the backlog of 35 fills batches of 5")
        #expect(
            trickleBatches(narrow.batched, burst: 35).count == 3,
            "1 s apart, each spaced message closes alone in a 200 ms window")
        // The three spaced messages span ~2 s; a tumbling window of 5 s holds them in at most two batches unless
        // the machine stalls their arrival by over 3 s (a 2 s window split them once, in a loaded full test run:
        // an arrival >1 s late is enough there).
        let wide = try await run(.init(batchSize: 5, window: .seconds(5)))
        #expect(trickleBatches(wide.batched, burst: 35).count < 3, "a 5 s window puts spaced messages together")
    }

    @Test("117.2.4/3 each run aggregates its batch, and the aggregates add up to the per-message ones")
    func aggregate() async throws {
        let outcome = try await run()
        #expect(outcome.batched.batches.allSatisfy { $0.total == $0.clicks.reduce(0, +) && $0.size == $0.clicks.count })
        #expect(outcome.batched.total == 38 * 39 / 2 && outcome.perMessage.total == outcome.batched.total)
    }

    @Test("117.2.4/4 every member is acknowledged only after its batch's asset event is committed, and then deleted")
    func acknowledgement() async throws {
        let outcome = try await run()
        for part in [outcome.perMessage, outcome.batched] {
            #expect(part.acknowledgedAfterCommit == 38 && part.acknowledgedBeforeCommit == 0, "\(part.mode)")
            #expect(part.visibleAtEnd == 0 && part.inFlightAtEnd == 0)
        }
    }

    @Test(
        "117.2.4/1 on moto's SQS, batches also cut the runs and lose no message",
        .enabled(if: Moto.enabled, Moto.reason))
    func onSQS() async throws {
        let outcome = try await run(.init(queue: Moto.queue("clicks")), service: { _ in Moto.service() })
        #expect(outcome.batched.runs < outcome.perMessage.runs && outcome.perMessage.runs == 38)
        #expect(outcome.batched.total == 38 * 39 / 2 && outcome.perMessage.total == outcome.batched.total)
        #expect(
            outcome.batched.acknowledgedBeforeCommit == 0
                && outcome.batched.visibleAtEnd + outcome.batched.inFlightAtEnd == 0)
    }
}
