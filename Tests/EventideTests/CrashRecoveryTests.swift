import Eventide
import EventideTesting
import Foundation
import Testing

/// Kills a writer (and a consumer) with SIGKILL mid-stream and checks that nothing acknowledged is lost.
@Suite("Crash recovery (SIGKILL)", .serialized, .timeLimit(.minutes(3)))
struct CrashRecoveryTests {
    /// Starts the product, reads lines until `stopAfter` of them arrived, then SIGKILLs it. Returns the lines.
    /// (ProjectionCrashTests kills `eventide-projection-writer` with it.)
    func runAndKill(
        _ arguments: [String], stopAfter: Int, product: String = "eventide-log-writer"
    ) throws -> [String] {
        let process = Process()
        process.executableURL = try BuiltProduct.url(named: product)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        var lines: [String] = []
        let handle = out.fileHandleForReading
        while lines.count < stopAfter {
            let chunk = handle.availableData
            if chunk.isEmpty { break }  // the child exited early
            text += String(decoding: chunk, as: UTF8.self)
            lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            if !text.hasSuffix("\n") { lines.removeLast() }  // a partial line is not an acknowledgement yet
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        return lines
    }

    @Test("every append acknowledged before SIGKILL is in the log after reopening")
    func acknowledgedAppendsSurvive() async throws {
        let folder = try TemporaryDatabase.folder("crash")
        let path = folder.appendingPathComponent("log.sqlite").path
        let acks = try runAndKill(["append", "--db", path, "--count", "1000000"], stopAfter: 300)
        #expect(acks.count >= 300)

        let log = EventLog(database: try EventideDatabase(path: path))
        let stored = Dictionary(
            uniqueKeysWithValues: try await log.readAll(topic: "crash-test").map {
                ("\($0.position.partition) \($0.position.offset)", $0.event.id)
            })
        for ack in acks {
            let fields = ack.split(separator: " ").map(String.init)  // ack <partition> <offset> <id>
            #expect(stored["\(fields[1]) \(fields[2])"] == fields[3], "acknowledged \(ack) is missing")
        }
        // The log is still appendable where the writer stopped.
        let after = try await log.append(try EventEnvelope(type: "t", source: "/s"), to: "crash-test", key: "k0")
        #expect(after.duplicate == false)
    }

    @Test("a consumer group killed mid-stream resumes from its committed offsets with nothing lost")
    func consumerResumesAfterKill() async throws {
        let folder = try TemporaryDatabase.folder("crash-consumer")
        let path = folder.appendingPathComponent("log.sqlite").path
        let log = EventLog(database: try EventideDatabase(path: path))
        try await log.createTopic("crash-test", partitions: 4)
        for n in 0..<2_000 {
            _ = try await log.append(
                try EventEnvelope(id: "e-\(n)", type: "t", source: "/s"), to: "crash-test", key: "k\(n % 16)")
        }
        let commits = try runAndKill(["consume", "--db", path, "--group", "g"], stopAfter: 500)
        #expect(commits.count >= 500 && commits.count < 2_000)

        // Every commit the child reported is durable: the group's offsets are at least there.
        var reported: [Int: Int] = [:]
        for line in commits {
            let fields = line.split(separator: " ")  // commit <partition> <next-offset> <event-id>
            reported[Int(fields[1])!] = Int(fields[2])!
        }
        var committed: [Int: Int] = [:]
        for partition in 0..<4 {
            committed[partition] = try await log.committedOffset(group: "g", topic: "crash-test", partition: partition)
            #expect(committed[partition]! >= reported[partition] ?? 0)
        }

        // A new member resumes exactly at the committed offsets and reads the rest: processed before the kill
        // (below the committed offsets) plus processed after covers every event, none twice.
        let resumed = LogConsumer(log: log, group: "g", topic: "crash-test")
        var after: [LogRecord] = []
        while true {
            let records = try await resumed.poll(limit: 500)
            if records.isEmpty { break }
            after += records
        }
        for partition in 0..<4 {
            let offsets = after.filter { $0.position.partition == partition }.map(\.position.offset)
            let end = try await log.endOffset(topic: "crash-test", partition: partition)
            #expect(offsets == Array(committed[partition]!..<end), "partition \(partition) resumes at its commit")
        }
        let before = try await log.readAll(topic: "crash-test")
            .filter { $0.position.offset < committed[$0.position.partition]! }.map(\.event.id)
        #expect(Set(before).isDisjoint(with: after.map(\.event.id)))
        #expect(before.count + after.count == 2_000, "nothing lost, nothing processed twice")
        #expect(Set(commits.map { String($0.split(separator: " ")[3]) }).isSubset(of: Set(before)))
    }
}
