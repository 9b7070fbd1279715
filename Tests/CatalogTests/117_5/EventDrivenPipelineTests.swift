import Eventide
import EventideTesting
import Testing

@testable import Ex117_05_05_event_driven_pipeline

@Suite("117.5.5 Event-Driven Data Pipeline", .timeLimit(.minutes(3)))
struct EventDrivenPipelineTests {
    typealias Pipeline = EventDrivenPipeline

    /// One run shared by the suite.
    static let shared = Task { try await run() }

    static func run(_ configuration: Pipeline.Configuration = .init()) async throws -> Pipeline.Outcome {
        try await Pipeline.run(configuration, database: TemporaryDatabase.make("117_05_05")).outcome
    }

    func drop(_ index: Int, in outcome: Pipeline.Outcome) throws -> Pipeline.Drop {
        try #require(outcome.drops.indices.contains(index) ? outcome.drops[index] : nil)
    }

    @Test("117.5.5/1 Build end-to-end event-driven workflow: each stage's asset event triggers the next stage")
    func endToEnd() async throws {
        let first = try drop(0, in: try await Self.shared.value)
        #expect(first.fate == .loaded)
        let stages = Pipeline.Stage.allCases.map { first.latencyMilliseconds[$0.rawValue] }
        let reached = stages.compactMap { $0 }
        #expect(reached.count == 4, "landed, validated, transformed and loaded events for the file")
        #expect(reached == reached.sorted(), "each stage completes after the one before")
    }

    @Test("117.5.5/2 Handle file arrival to processing: the watcher sees each file written to the landing folder")
    func fileArrival() async throws {
        let outcome = try await Self.shared.value
        #expect(outcome.watch == "inotify")
        #expect(outcome.drops.map(\.file) == ["orders_001.csv", "orders_002.csv", "orders_003.csv", "orders_001.csv"])
        #expect(Set(outcome.drops.map(\.landedEventId)).count == 4, "one landed event per drop, the same name twice")
        #expect(outcome.drops.allSatisfy { $0.latencyMilliseconds["landed"] != nil })
    }

    @Test("117.5.5/3 Implement error handling and retries: a transient failure retried, a poison file dead-lettered")
    func errorsAndRetries() async throws {
        let outcome = try await Self.shared.value
        let flaky = try drop(1, in: outcome)
        #expect(flaky.fate == .loaded)
        #expect(flaky.loadAttempts == 3, "2 injected transient failures, then success")
        let poison = try drop(2, in: outcome)
        #expect(poison.fate == .deadLettered)
        #expect(
            poison.deadLetterReason
                == Pipeline.OrderFile.Invalid(
                    file: "orders_003.csv", line: 3, problem: #"expected order_id,amount, got "C-2,twelve""#
                ).description)
        #expect(poison.latencyMilliseconds.keys.sorted() == ["landed"], "it went no further than validation")
        #expect(outcome.deadLetters == 1)
    }

    @Test("117.5.5/3 as many transient failures as retries: the last retry loads the file")
    func transientFailuresWithinRetries() async throws {
        let outcome = try await Self.run(.init(transientFailures: 3))
        #expect(try drop(1, in: outcome).loadAttempts == 4)
        #expect(try drop(1, in: outcome).fate == .loaded)
    }

    @Test("117.5.5/3 idempotence: the same file dropped twice is loaded once")
    func idempotentReload() async throws {
        let outcome = try await Self.shared.value
        let again = try drop(3, in: outcome)
        #expect(again.fate == .duplicate)
        #expect(again.loadAttempts == 2, "loaded again, which wrote nothing")
        #expect(outcome.warehouseFiles == 2)
        #expect(outcome.warehouseRows == 5)
    }

    @Test("117.5.5/4 Monitor pipeline latency metrics: p50 and max per stage from the recorded timestamps")
    func latencyMetrics() async throws {
        let outcome = try await Self.shared.value
        #expect(outcome.latencies.map(\.stage) == Pipeline.Stage.allCases)
        #expect(outcome.latencies.map(\.samples) == [4, 3, 3, 3])
        for latency in outcome.latencies {
            #expect(latency.p50Milliseconds >= 0 && latency.p50Milliseconds <= latency.maxMilliseconds)
        }
        let loaded = try #require(outcome.latencies.last)
        #expect(loaded.maxMilliseconds >= 50, "the retried load waited at least one 50 ms backoff")
    }

    @Test("117.5.5 latency statistics: p50 is the lower median, max the largest")
    func statistics() {
        let drops = [10.0, 30, 20].enumerated().map { index, value in
            Pipeline.Drop(
                file: "f\(index)", landedEventId: Int64(index), fate: .loaded, loadAttempts: 1,
                latencyMilliseconds: ["landed": value], deadLetterReason: nil)
        }
        #expect(
            Pipeline.latencies(drops) == [.init(stage: .landed, samples: 3, p50Milliseconds: 20, maxMilliseconds: 30)])
    }

    @Test("117.5.5 expected behaviour: the pipeline processes every good file once and dead-letters the poison one")
    func expected() async throws {
        let outcome = try await Self.shared.value
        #expect(outcome.drops.map(\.fate) == [.loaded, .loaded, .deadLettered, .duplicate])
    }

    @Test("117.5.5 refuses a --db that an earlier run used")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { try await Pipeline.run(.init(), database: $0) }
    }

    @Test(
        "117.5.5 bad flag values are refused",
        arguments: [["--transient-failures", "4"], ["--transient-failures", "-1"]])
    func badFlags(arguments: [String]) {
        #expect(throws: (any Error).self) { _ = try EventDrivenPipelineCommand.parse(arguments) }
    }
}
