import Eventide
import EventideTesting
import Foundation
import Testing

/// Kills a process in the middle of a saga with SIGKILL, then resumes the saga from the store in a second
/// process. The child is the saga example's binary (`95_04_04_saga_pattern --crash-self`), which runs the trip
/// saga on `SagaCoordinator` and SIGKILLs itself after a service applied an effect, before the coordinator
/// recorded it: the window where a crash could make a step or a compensation run twice.
@Suite("Saga crash recovery (SIGKILL)", .serialized, .timeLimit(.minutes(3)))
struct SagaCrashRecoveryTests {
    static let product = "95_04_04_saga_pattern"
    static let steps = ["flight", "hotel", "car", "payment"]

    /// Runs the saga example until it kills itself; returns the store it left.
    func killedRun(_ arguments: [String]) throws -> String {
        let path = try TemporaryDatabase.folder("saga-crash").appendingPathComponent("saga.sqlite").path
        let process = Process()
        process.executableURL = try BuiltProduct.url(named: Self.product)
        process.arguments = ["--db", path, "--crash-self"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)
        return path
    }

    /// Effects each service's log holds, by event type suffix ("booked", "cancelled", "refunded").
    func effects(_ database: EventideDatabase) async throws -> [String: [String]] {
        let log = EventLog(database: database)
        var effects: [String: [String]] = [:]
        for step in Self.steps {
            effects[step] = try await log.readAll(topic: "trip.\(step)").compactMap {
                $0.event.type.split(separator: ".").last.map(String.init)
            }
        }
        return effects
    }

    @Test("killed inside an action: the second process does not re-run completed steps, each effect applies once")
    func killedInsideAction() async throws {
        let path = try killedRun(["--fail-at", "payment", "--crash-at", "car"])
        let database = try EventideDatabase(path: path)
        let coordinator = SagaCoordinator(database: database)
        let left = try #require(try await coordinator.instance("trip-1"))
        #expect(left.status == .running)
        #expect(left.steps.map(\.action) == [.succeeded, .succeeded, .running, .pending])
        #expect(try await effects(database)["car"] == ["booked"], "the effect landed before the kill")

        let resumed = try BuiltProduct.run(Self.product, ["--db", path, "--fail-at", "payment", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let saga = try #require(try await coordinator.instance("trip-1"))
        #expect(saga.status == .compensated)
        #expect(saga.steps.map(\.actionAttempts) == [1, 1, 2, 1], "flight and hotel were not run again")
        #expect(saga.steps.map(\.compensationAttempts) == [1, 1, 1, 0])
        let history = try await coordinator.history("trip-1")
        #expect(Set(history.map(\.processId)).count == 2)
        #expect(history.filter { $0.kind == .compensationSucceeded }.compactMap(\.step) == ["car", "hotel", "flight"])
        let applied = try await effects(database)
        for step in ["flight", "hotel", "car"] { #expect(applied[step] == ["booked", "cancelled"], "\(step)") }
        #expect(applied["payment"] == [])
    }

    @Test("killed inside a compensation: the second process runs every compensation to done exactly once")
    func killedInsideCompensation() async throws {
        let arguments = ["--fail-at", "payment", "--crash-at", "hotel", "--crash-during", "compensation"]
        let path = try killedRun(arguments)
        let database = try EventideDatabase(path: path)
        let coordinator = SagaCoordinator(database: database)
        let left = try #require(try await coordinator.instance("trip-1"))
        #expect(left.status == .compensating)
        #expect(left.steps.map(\.compensation) == [.pending, .running, .done, .notNeeded])

        let resumed = try BuiltProduct.run(Self.product, ["--db", path, "--fail-at", "payment", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let saga = try #require(try await coordinator.instance("trip-1"))
        #expect(saga.status == .compensated)
        #expect(saga.steps.map(\.actionAttempts) == [1, 1, 1, 1], "no step ran again")
        #expect(saga.steps.map(\.compensationAttempts) == [1, 2, 1, 0], "car's done compensation did not run again")
        let succeeded = try await coordinator.history("trip-1").filter { $0.kind == .compensationSucceeded }
        #expect(succeeded.compactMap(\.step) == ["car", "hotel", "flight"])
        let applied = try await effects(database)
        for step in ["flight", "hotel", "car"] { #expect(applied[step] == ["booked", "cancelled"], "\(step)") }
    }
}
