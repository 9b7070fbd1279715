import Eventide
import EventideTesting
import Foundation
import Testing

/// Kills a process applying a projection with SIGKILL mid-stream; a restart must apply every event exactly once.
@Suite("Projection checkpoint crash (SIGKILL)", .serialized, .timeLimit(.minutes(3)))
struct ProjectionCrashTests {
    func runAndKill(_ arguments: [String], stopAfter: Int) throws -> [String] {
        try CrashRecoveryTests().runAndKill(arguments, stopAfter: stopAfter, product: "eventide-projection-writer")
    }

    @Test("a projection killed mid-batch restarts from its checkpoint and applies every event exactly once")
    func appliedExactlyOnce() async throws {
        let folder = try TemporaryDatabase.folder("projection-crash")
        let path = folder.appendingPathComponent("store.sqlite").path
        let filled = try BuiltProduct.run("eventide-projection-writer", ["append", "--db", path, "--count", "3000"])
        #expect(filled.status == 0)
        let store = EventStore(database: try EventideDatabase(path: path))
        #expect(try await store.headPosition() == 3_000)

        let reports = try runAndKill(["apply", "--db", path], stopAfter: 60)
        #expect(reports.count >= 60)
        let reported = try #require(reports.last.flatMap { Int64($0.split(separator: " ")[1]) })
        let view = ReadModel(database: store.database, view: "applied-once")
        let (checkpoint, documents) = try await view.read { try ($0.checkpoint(), $0.documents(as: Int.self)) }
        // Killed while applying: every reported batch is durable, and the store was not finished.
        #expect(checkpoint >= reported && checkpoint < 3_000)
        // View and checkpoint agree: exactly the events up to the checkpoint are applied, each once.
        #expect(documents["total"] == Int(checkpoint))
        #expect((1...checkpoint).allSatisfy { documents["event-\($0)"] == 1 })
        #expect(documents["event-\(checkpoint + 1)"] == nil)

        // The restart resumes at the checkpoint and finishes.
        let restart = try BuiltProduct.run("eventide-projection-writer", ["apply", "--db", path])
        #expect(restart.status == 0)
        let firstBatchEnd = try #require(
            restart.stdout.split(separator: "\n").first.flatMap { Int64($0.split(separator: " ")[1]) })
        let firstBatchSize = try #require(
            restart.stdout.split(separator: "\n").first.flatMap { Int64($0.split(separator: " ")[2]) })
        #expect(firstBatchEnd - firstBatchSize == checkpoint, "the restart's first batch starts after the checkpoint")
        let final = try await view.read { try ($0.checkpoint(), $0.documents(as: Int.self)) }
        #expect(final.0 == 3_000)
        #expect(final.1["total"] == 3_000)
        #expect((1...3_000).allSatisfy { final.1["event-\($0)"] == 1 }, "every event applied exactly once")
    }
}
