import Eventide
import EventideTesting
import Foundation
import Synchronization
import Testing

/// An orchestrator on a test clock for the sensor and executor suites, with small waits on the store.
struct SensorHarness {
    let clock = TestClock()
    let orchestrator: Orchestrator

    init(_ dags: [DAG], slots: Int = 32, perRun: Int = 1) async throws {
        let clock = clock
        orchestrator = Orchestrator(
            database: try TemporaryDatabase.make("sensors"), clock: EventideClock(clock),
            executor: ExecutorSettings(workerSlots: slots, maxActiveTasksPerRun: perRun))
        try await orchestrator.register(dags: dags)
    }

    var scheduler: Scheduler { orchestrator.scheduler }
    var slots: WorkerSlots { orchestrator.executor.slots }
    /// Seconds on the test clock since it started.
    var seconds: Double { clock.now.offset.inSeconds }

    func state(_ ref: DagRunRef, _ taskId: String) async throws -> TaskState? {
        try await scheduler.run(ref)?.task(taskId)?.state
    }

    /// Waits (real time, bounded) until `condition` holds: for states written by tasks the test does not await.
    func eventually(
        _ what: String, _ condition: @escaping @Sendable () async throws -> Bool
    ) async throws {
        try await WaitDeadline.seconds(30).enforce(waitingFor: what) {
            while try await !condition() { try await Task.sleep(for: .milliseconds(5)) }
        }
    }

    func waitForState(_ ref: DagRunRef, _ taskId: String, _ state: TaskState) async throws {
        try await eventually("\(taskId) \(state.rawValue)") { try await self.state(ref, taskId) == state }
    }

    /// Advances the clock by `step` and waits until `sleepers` tasks sleep on it again.
    func step(_ step: Duration, sleepers: Int = 1) async throws {
        await clock.advance(by: step)
        try await clock.waitForSleepers(sleepers)
    }

    func finished(_ dagId: String, count: Int = 1) async throws -> DagRun {
        try #require(try await scheduler.waitForFinishedRuns(of: dagId, count: count).last)
    }
}

/// The clock offsets (seconds) at which something happened, in order.
final class Stamps: Sendable {
    private let values = Mutex<[Double]>([])
    func add(_ clock: EventideClock) { values.withLock { $0.append(clock.now.offset.inSeconds) } }
    var all: [Double] { values.withLock { $0 } }
}

/// A switch a test flips for a sensor to find its condition met.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

/// Values recorded by concurrent tasks, in the order they were recorded.
final class Recorded<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func add(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}
