import ArgumentParser
import Eventide
import Foundation

/// A child process for the projection crash test. `append` fills the event store (appends of one to three
/// events, so batches end inside appends); `apply` runs the `applied-once` projection from its checkpoint and
/// prints `checkpoint <position> <events>` after each batch has committed. The test kills `apply` with SIGKILL
/// mid-stream, runs it again, and checks that every event was applied exactly once.
@main
struct ProjectionWriter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventide-projection-writer",
        abstract: "Fills an event store, or applies a counting projection to it, reporting each committed batch.")

    enum Mode: String, ExpressibleByArgument { case append, apply }

    @Argument(help: "append or apply") var mode: Mode
    @Option(help: "SQLite database path.") var db: String
    @Option(help: "append: how many events to store.") var count = 3_000
    @Option(help: "apply: events per transaction.") var batchSize = 7

    /// Counts, per event position, how many times the event was applied, and the events applied in all.
    struct AppliedOnce: Projection {
        let name = "applied-once"

        func apply(_ event: RecordedEvent, to view: ReadModelWriter) throws {
            let key = "event-\(event.position)"
            try view.put((try view.document(key, as: Int.self) ?? 0) + 1, at: key)
            try view.put((try view.document("total", as: Int.self) ?? 0) + 1, at: "total")
        }
    }

    func run() async throws {
        let store = EventStore(database: try EventideDatabase(path: db))
        switch mode {
        case .append:
            var n = 0
            while n < count {
                let size = min(1 + n % 3, count - n)
                let events = (n..<(n + size)).map {
                    NewEvent(id: "e-\($0)", type: "counted", data: ["n": .number(Double($0))])
                }
                try await store.append(events, to: "stream-\(n % 10)", expectedVersion: .any)
                n += size
            }
        case .apply:
            let runner = try ProjectionRunner(AppliedOnce(), store: store, batchSize: batchSize)
            while true {
                let batch = try await runner.applyNextBatch()
                if batch.events.isEmpty { break }
                say("checkpoint \(batch.checkpoint) \(batch.events.count)")
            }
        }
    }

    /// Unbuffered: a line is on the pipe before the next batch starts.
    func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
