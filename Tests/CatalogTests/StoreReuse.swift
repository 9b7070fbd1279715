import Eventide
import EventideCLI
import EventideTesting
import Testing

/// Runs an example twice on one database: the second run must refuse the used store (its story starts at
/// event #1) rather than print numbers that mix in the first run.
func expectRefusesUsedStore(_ run: (EventideDatabase) async throws -> some Any) async throws {
    let database = try TemporaryDatabase.make("95_01_reuse")
    _ = try await run(database)
    let error = await #expect(throws: ExampleError.self) { _ = try await run(database) }
    guard case .storeNotEmpty(let path, let events, let runs) = error else {
        Issue.record("expected ExampleError.storeNotEmpty, got \(String(describing: error))")
        return
    }
    #expect(path == database.path)
    #expect(events + runs > 0, "the refusal counts what the earlier run left")
}
