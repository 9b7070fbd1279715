import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex95_03_01_external_task_sensor

@Suite("95.3.1 External Task Sensor Events", .timeLimit(.minutes(5)))
struct ExternalTaskSensorTests {
    typealias Example = ExternalTaskSensorExample

    func run() async throws -> Example.Outcome {
        try await Example.run(.init(), database: TemporaryDatabase.make("95_03_01")).outcome
    }

    @Test("95.3.1/1 ExternalTaskSensor waits for the other DAG's task, in poke and deferrable mode")
    func sensorPattern() async throws {
        let outcome = try await run()
        try #require(outcome.sameDate.count == 2)
        #expect(outcome.sameDate.map(\.mode) == [.poke, .deferrable])
        #expect(outcome.sameDate.allSatisfy { $0.sensorState == .success && $0.reportState == .success })
        #expect(outcome.sameDate[0].pokes >= 2, "it poked before load_orders ran, and after")
        #expect(outcome.sameDate[1].pokes == 1, "deferrable: one poke, then the trigger")
    }

    @Test("95.3.1/2 cross-DAG dependencies: a report waits for the run, the task or the task group it names")
    func crossDagDependencies() async throws {
        let outcome = try await run()
        #expect(outcome.sameDate.allSatisfy { $0.lookedAt == [Example.today] })
        #expect(outcome.twoDays.sensorState == .success && outcome.twoDays.reportState == .success)
        #expect(outcome.twoDays.pokes >= 2, "the quality group of yesterday's run was missing at first")
    }

    @Test("95.3.1/3 execution dates are aligned: the same date, minus execution_delta, or execution_date_fn")
    func dateAlignment() async throws {
        let outcome = try await run()
        #expect(outcome.hourEarlier.logicalDate == Example.today.addingTimeInterval(3600))
        #expect(outcome.hourEarlier.lookedAt == [Example.today])
        #expect(outcome.hourEarlier.sensorState == .success && outcome.hourEarlier.pokes == 1)
        #expect(outcome.twoDays.lookedAt == [Example.today, Example.today.addingTimeInterval(-86_400)])
        #expect(outcome.refusedBothDateArguments && outcome.refusedOverlappingStates)
        #expect(outcome.assetTriggered.logicalDate == nil && outcome.assetTriggered.sensorState == .failed)
        #expect(outcome.assetTriggered.reportState == .upstreamFailed)
    }

    @Test("95.3.1/4 timeouts: failed_states fail at once; without them the sensor waits out its timeout")
    func timeoutHandling() async throws {
        let outcome = try await run()
        #expect(outcome.failFast.sensorState == .failed && outcome.failFast.pokes == 1)
        #expect(outcome.waitOut.sensorState == .failed && outcome.waitOut.pokes > 1)
        #expect(outcome.waitOut.waitedMilliseconds >= 500, "the whole timeout")
        #expect(outcome.failFast.waitedMilliseconds < outcome.waitOut.waitedMilliseconds)
        #expect(outcome.failFast.reportState == .upstreamFailed && outcome.waitOut.reportState == .upstreamFailed)
    }

    @Test("95.3.1/expected the external event is detected: every aligned report runs once its upstream succeeded")
    func expected() async throws {
        let outcome = try await run()
        let detected = outcome.sameDate + [outcome.hourEarlier, outcome.twoDays]
        #expect(detected.allSatisfy { $0.sensorState == .success && $0.reportState == .success })
    }

    @Test("95.3.1 a used store is refused")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { try await Example.run(.init(), database: $0) }
    }
}
