import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex95_04_04_saga_pattern

@Suite("95.4.4 Saga Pattern", .timeLimit(.minutes(5)))
struct SagaPatternTests {
    typealias Configuration = SagaPattern.Configuration
    static let steps = SagaPattern.stepNames

    func run(_ configure: (inout Configuration) -> Void = { _ in }, database: EventideDatabase? = nil) async throws
        -> SagaPattern.Outcome
    {
        var configuration = Configuration()
        configuration.executable = try BuiltProduct.url(named: "95_04_04_saga_pattern")
        configure(&configuration)
        return try await SagaPattern.run(configuration, database: database ?? TemporaryDatabase.make("95_04_04"))
            .outcome
    }

    func effects(_ outcome: SagaPattern.Outcome, _ service: String) -> SagaPattern.Effects? {
        outcome.effects.first { $0.service == service }
    }

    @Test("95.4.4/1 the coordinator DAG runs the saga: every step booked once, in order, and the run succeeds")
    func coordinatorDAG() async throws {
        let outcome = try await run { $0.failAt = nil }
        #expect(outcome.status == .completed)
        #expect(outcome.coordinatorRunState == .success)
        #expect(outcome.actionOrder == Self.steps)
        #expect(outcome.steps.map(\.action) == Array(repeating: .succeeded, count: 4))
        #expect(outcome.steps.compactMap(\.reference).count == 4, "each service's booking reference is persisted")
        #expect(outcome.effects.map(\.booked) == [1, 1, 1, 1] && outcome.effects.map(\.undone) == [0, 0, 0, 0])
        #expect(outcome.compensationOrder.isEmpty)
    }

    @Test(
        "95.4.4/2 a failure at each step undoes the steps before it in reverse order, each effect exactly once",
        arguments: steps)
    func compensationsInReverse(failAt: String) async throws {
        let outcome = try await run { $0.failAt = failAt }
        let index = try #require(Self.steps.firstIndex(of: failAt))
        let before = Array(Self.steps[..<index])
        #expect(outcome.status == .compensated)
        #expect(outcome.failedStep == failAt)
        #expect(outcome.compensationOrder == before.reversed())
        for step in before {
            #expect(effects(outcome, step)?.booked == 1 && effects(outcome, step)?.undone == 1, "\(step)")
        }
        #expect(effects(outcome, failAt)?.booked == 0 && effects(outcome, failAt)?.undone == 0)
        #expect(outcome.steps.first { $0.step == failAt }?.compensation == .notNeeded)
        // The history shows each compensation started after the previous one succeeded.
        let compensations = outcome.history.filter {
            $0.kind == .compensationStarted || $0.kind == .compensationSucceeded
        }
        #expect(compensations.compactMap(\.step) == before.reversed().flatMap { [$0, $0] })
    }

    @Test("95.4.4/3 a service that stops answering times out; its step is compensated too, after the later ones")
    func hungStepTimesOut() async throws {
        let outcome = try await run {
            $0.failAt = nil
            $0.hangAt = "car"
            $0.stepTimeout = .seconds(1)
        }
        #expect(outcome.status == .compensated)
        #expect(outcome.steps.first { $0.step == "car" }?.action == .timedOut)
        #expect(outcome.compensationOrder == ["car", "hotel", "flight"])
        #expect(effects(outcome, "car")?.booked == 1 && effects(outcome, "car")?.undone == 1)
        #expect(effects(outcome, "payment")?.booked == 0)
    }

    @Test("95.4.4/3 a failing compensation is retried with backoff, then parked for a person; the others still run")
    func failingCompensationParked() async throws {
        let outcome = try await run { $0.failingCompensation = "hotel" }
        #expect(outcome.status == .parked)
        #expect(outcome.coordinatorRunState == .failed, "a parked saga fails its run, where alerts look")
        let hotel = try #require(outcome.steps.first { $0.step == "hotel" })
        #expect(hotel.compensation == .parked)
        #expect(hotel.compensationAttempts == SagaPattern.compensationRetry.retries + 1)
        #expect(hotel.compensationError != nil, "the reason is kept for the person")
        #expect(outcome.compensationOrder == ["car", "flight"])
        #expect(outcome.history.filter { $0.kind == .compensationFailed }.map(\.attempt) == [1, 2, 3])
        #expect(effects(outcome, "hotel")?.undone == 0 && effects(outcome, "flight")?.undone == 1)
    }

    @Test(
        "95.4.4/4 a crash (SIGKILL of a child) inside each step: a second process resumes and finishes",
        arguments: steps)
    func crashInEachStep(crashAt: String) async throws {
        let outcome = try await run {
            $0.failAt = nil
            $0.crashAt = crashAt
        }
        let crash = try #require(outcome.crash)
        #expect(crash.signal == SIGKILL && crash.step == crashAt)
        #expect(outcome.resumed && outcome.status == .completed)
        let index = try #require(Self.steps.firstIndex(of: crashAt))
        // Completed before the kill: not run again. The interrupted step: once more, with the same key.
        #expect(outcome.steps.map(\.actionAttempts) == Self.steps.indices.map { $0 == index ? 2 : 1 })
        #expect(outcome.duplicateEffectsAbsorbed == ["trip-1/\(crashAt)/action"])
        #expect(outcome.effects.map(\.booked) == [1, 1, 1, 1], "every booking applied exactly once")
        let processes = outcome.history.map(\.process)
        #expect(Set(processes) == [1, 2])
        #expect(outcome.history.first { $0.kind == .sagaResumed }?.process == 2)
        #expect(
            outcome.history.filter { $0.kind == .actionSucceeded && $0.process == 1 }.compactMap(\.step)
                == Array(Self.steps[..<index]))
    }

    @Test(
        "95.4.4/4 a crash inside each compensation: the resumed process runs every compensation to done exactly once",
        arguments: ["flight", "hotel", "car"])
    func crashInEachCompensation(crashAt: String) async throws {
        let outcome = try await run {
            $0.crashAt = crashAt
            $0.crashDuring = .compensation
        }
        #expect(outcome.crash?.phase == .compensation)
        #expect(outcome.status == .compensated)
        #expect(outcome.compensationOrder == ["car", "hotel", "flight"])
        #expect(
            outcome.steps.map(\.compensationAttempts)
                == ["flight", "hotel", "car", "payment"].map {
                    $0 == crashAt ? 2 : ($0 == "payment" ? 0 : 1)
                })
        #expect(outcome.effects.map(\.undone) == [1, 1, 1, 0], "every cancellation applied exactly once")
        #expect(outcome.duplicateEffectsAbsorbed == ["trip-1/\(crashAt)/compensation"])
        #expect(outcome.history.filter { $0.kind == .compensationSucceeded }.count == 3)
    }

    @Test("95.4.4/4 the state is in the store: an ended saga's store is refused, flags that cannot happen too")
    func storeState() async throws {
        let database = try TemporaryDatabase.make("95_04_04_reuse")
        _ = try await run(database: database)
        let error = await #expect(throws: SagaPattern.ScenarioError.self) { try await run(database: database) }
        #expect(error == .sagaAlreadyEnded(path: database.path, sagaId: "trip-1", status: .compensated))
        let stored = try #require(try await SagaCoordinator(database: database).instance("trip-1"))
        #expect(stored.steps.map(\.compensation) == [.done, .done, .done, .notNeeded])

        var never = Configuration()
        never.failingCompensation = "payment"
        #expect(never.unreachableFault != nil)
        never = Configuration()
        never.crashAt = "payment"
        #expect(never.unreachableFault != nil, "the declined payment never applies an effect to crash after")
        never.crashAt = "car"
        #expect(never.unreachableFault == nil)
    }

    @Test("95.4.4/expected saga transactions work, from the command line too (a real SIGKILLed child)")
    func expectedBehavior() async throws {
        let outcome = try await run()
        #expect(outcome.status == .compensated && outcome.compensationOrder == ["car", "hotel", "flight"])
        let cli = try ExampleProcess.checkCommandLine(
            "95_04_04_saga_pattern", item: "95.4.4", badArguments: ["--fail-at", "boat"], expectInError: "--fail-at")
        #expect(cli["status"] as? String == "compensated")
        #expect(cli["compensationOrder"] as? [String] == ["car", "hotel", "flight"])

        // A generous step timeout: on a loaded machine a step slower than the default 2 s times out and is retried,
        // and its retry is absorbed as a second duplicate (right, but not what this checks: the crash's own).
        let crashed = try ExampleProcess.run(
            "95_04_04_saga_pattern", ["--crash-at", "hotel", "--timeout-ms", "60000", "--json"])
        #expect(crashed.status == 0, "\(crashed.stderr)")
        let report = try #require(try crashed.json()["outcome"] as? [String: Any])
        #expect(report["status"] as? String == "compensated")
        #expect((report["crash"] as? [String: Any])?["signal"] as? Int == Int(SIGKILL))
        #expect(
            report["duplicateEffectsAbsorbed"] as? [String] == ["trip-1/hotel/action"],
            "history: \(report["history"] ?? "none")")

        let refused = try ExampleProcess.run("95_04_04_saga_pattern", ["--fail-compensation", "payment"])
        #expect(refused.status != 0 && refused.stderr.contains("--fail-compensation"))
    }
}
