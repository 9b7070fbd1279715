import EventideTesting
import Foundation
import GRDB
import Synchronization
import Testing

@testable import Eventide

/// Issue 14, "Durability past the process": `synchronous` as set must be what the writer connection runs with.
@Suite("Database durability", .timeLimit(.minutes(1)))
struct DatabaseDurabilityTests {
    func database(_ durability: EventideDatabase.Durability?) throws -> EventideDatabase {
        let path = try TemporaryDatabase.folder("durability").appendingPathComponent("eventide.sqlite").path
        guard let durability else { return try EventideDatabase(path: path) }
        return try EventideDatabase(path: path, durability: durability)
    }

    @Test(
        "each durability is what the writer connection reads back, before and after writes",
        arguments: EventideDatabase.Durability.allCases)
    func sticks(durability: EventideDatabase.Durability) async throws {
        let database = try database(durability)
        #expect(try database.writerDurability() == durability)
        let log = EventLog(database: database)
        try await log.createTopic("t", partitions: 1)
        for index in 0..<20 {
            _ = try await log.append(
                EventEnvelope(type: "e", source: "s", data: ["i": .number(Double(index))]), to: "t")
        }
        #expect(try database.writerDurability() == durability)
    }

    @Test("the default is FULL: every commit, the one before an acknowledgement included, is flushed")
    func defaultIsFull() throws {
        #expect(try database(nil).writerDurability() == .full)
        #expect(try database(nil).durability == .full)
    }

    /// What an acknowledgement saw.
    final class Seen: Sendable {
        let level = Mutex<EventideDatabase.Durability?>(nil)
    }

    /// One event whose acknowledgement reads the writer's level: the commit just before it ran with that level.
    struct OneEvent: Trigger {
        let database: EventideDatabase
        let seen: Seen
        var description: String { "OneEvent" }
        func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
            let (stream, continuation) = AsyncThrowingStream.makeStream(of: TriggerEvent.self)
            let database = database, seen = seen
            continuation.yield(
                TriggerEvent(
                    payload: ["n": 1], messageId: "m1",
                    acknowledge: {
                        let level = try database.writerDurability()
                        seen.level.withLock { $0 = level }
                    }))
            return stream
        }
    }

    @Test("a watcher's acknowledgement to its source follows a FULL commit on a default database")
    func acknowledgementFollowsFlushedCommit() async throws {
        let database = try database(nil)
        let seen = Seen()
        let asset = try Asset(uri: "test://durable")
        let watched = asset.watched(by: [AssetWatcher(name: "w", trigger: OneEvent(database: database, seen: seen))])
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(
            dags: [try DAG("d", schedule: .on([watched]), tasks: [TaskDefinition("t") { _ in .none }])],
            assets: [watched])
        _ = try await orchestrator.withServices {
            try await orchestrator.triggerer.waitFor(watcher: "w") { $0.eventsRecorded == 1 }
        }
        #expect(seen.level.withLock { $0 } == .full)
    }

    /// Runs the log writer under `strace -c`, appending `count` events one commit at a time, and returns how many
    /// fsync and fdatasync calls the process made.
    func syncCalls(appending count: Int, durability: EventideDatabase.Durability) throws -> Int {
        let folder = try TemporaryDatabase.folder("fsync-\(durability.rawValue)")
        let summary = folder.appendingPathComponent("strace.txt")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        process.arguments = [
            "-f", "-c", "-e", "trace=fsync,fdatasync", "-o", summary.path,
            try BuiltProduct.url(named: "eventide-log-writer").path, "append",
            "--db", folder.appendingPathComponent("eventide.sqlite").path, "--count", "\(count)",
            "--partitions", "1", "--durability", durability.rawValue,
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        // strace -c: "% time  seconds  usecs/call  calls  [errors]  syscall", one row per traced call.
        return try String(contentsOf: summary, encoding: .utf8).split(separator: "\n").reduce(0) { total, line in
            let columns = line.split(separator: " ")
            guard let name = columns.last, name == "fsync" || name == "fdatasync", columns.count >= 5,
                let calls = Int(columns[3])
            else { return total }
            return total + calls
        }
    }

    /// The flush itself, counted where the kernel sees it: with FULL every commit syncs the WAL (so an
    /// acknowledgement after a commit follows a flush), with NORMAL only checkpoints do.
    @Test(
        "FULL syncs the WAL on every commit, NORMAL does not (fsync calls counted with strace)",
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/strace")
                || ProcessInfo.processInfo.environment["CI"] != nil,
            "strace is not installed (scripts/setup installs it)"))
    func fullSyncsEveryCommit() throws {
        let commits = 200
        let full = try syncCalls(appending: commits, durability: .full)
        let normal = try syncCalls(appending: commits, durability: .normal)
        #expect(full >= commits)
        #expect(normal < commits / 4)
    }

    /// Task marks (queued, running) skip the flush: the commit runs at NORMAL, and the writer is back at its
    /// durability right after, also when the write fails.
    @Test(
        "an unflushed write commits at NORMAL and leaves the writer at its durability",
        arguments: EventideDatabase.Durability.allCases)
    func unflushedWrite(durability: EventideDatabase.Durability) async throws {
        let database = try database(durability)
        let level = try await database.writeUnflushed { db in
            try db.execute(sql: "CREATE TABLE mark (n INTEGER)")
            try db.execute(sql: "INSERT INTO mark VALUES (1)")
            return try Int.fetchOne(db, sql: "PRAGMA synchronous")
        }
        #expect(level == EventideDatabase.Durability.normal.level)
        #expect(try database.writerDurability() == durability)
        await #expect(throws: DatabaseError.self) {
            try await database.writeUnflushed { db in try db.execute(sql: "INSERT INTO nowhere VALUES (1)") }
        }
        #expect(try database.writerDurability() == durability)
        let rows = try await database.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM mark") }
        #expect(rows == 1)
    }
}
