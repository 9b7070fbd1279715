import ArgumentParser
import EventideTesting
import Foundation
import GRDBSQLite
import Histogram

/// What one flushed SQLite commit costs on this disk, measured beside the HTTP loads: a one-row insert committed
/// in WAL mode at `synchronous = FULL` (the store's settings: the WAL is flushed before the commit returns),
/// through the sqlite3 C API on one thread, with nothing else in the way. No store that answers after its
/// commit is flushed can answer one client faster than a bare request plus this.
struct FlushedCommit {
    let p50Micros: Double
    let p99Micros: Double
    /// The process's CPU time per commit (user and system): the sqlite3 work and the flush's kernel work.
    let cpuMicros: Double

    /// Warms the WAL past its first checkpoint (`commits` commits, not measured: the file is then overwritten
    /// rather than grown, as in a store that has been running), then measures `commits` more.
    static func measure(commits: Int = 2_000) throws -> FlushedCommit {
        let folder = try TemporaryDatabase.folder("bench-flushed-commit")
        var db: OpaquePointer?
        guard sqlite3_open(folder.appendingPathComponent("floor.sqlite").path, &db) == SQLITE_OK else {
            throw ValidationError("cannot open the sqlite3 database in \(folder.path)")
        }
        defer { sqlite3_close(db) }
        func exec(_ sql: String) throws {
            guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
                throw ValidationError("sqlite3: \(String(cString: sqlite3_errmsg(db))) in \(sql)")
            }
        }
        try exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
        try exec("CREATE TABLE event (id INTEGER PRIMARY KEY, name TEXT NOT NULL, extra TEXT NOT NULL, at REAL)")
        try exec("CREATE INDEX event_name ON event(name)")
        var statement: OpaquePointer?
        guard
            sqlite3_prepare_v2(db, "INSERT INTO event(name, extra, at) VALUES (?, ?, ?)", -1, &statement, nil)
                == SQLITE_OK
        else { throw ValidationError("sqlite3: \(String(cString: sqlite3_errmsg(db)))") }
        defer { sqlite3_finalize(statement) }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

        func commit(_ n: Int) throws {
            try exec("BEGIN IMMEDIATE")
            sqlite3_bind_text(statement, 1, "orders", -1, transient)
            sqlite3_bind_text(statement, 2, #"{"n":\#(n)}"#, -1, transient)
            sqlite3_bind_double(statement, 3, Date().timeIntervalSince1970)
            guard sqlite3_step(statement) == SQLITE_DONE else {
                throw ValidationError("sqlite3: \(String(cString: sqlite3_errmsg(db)))")
            }
            sqlite3_reset(statement)
            try exec("COMMIT")
        }
        for n in 0..<commits { try commit(n) }
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        let cpu = ProcessCPU.now()
        for n in commits..<(2 * commits) {
            let start = ContinuousClock.now
            try commit(n)
            _ = histogram.record(HTTPBenchmark.micros(ContinuousClock.now - start))
        }
        return FlushedCommit(
            p50Micros: Double(histogram.valueAtPercentile(50)), p99Micros: Double(histogram.valueAtPercentile(99)),
            cpuMicros: (ProcessCPU.now() - cpu) / Double(commits))
    }

    /// The highest ratio to a bare request an API that answers after such a commit can reach with `clients`
    /// keep-alive clients, counting latency alone (not CPU): each client's next request waits for its bare round
    /// trip (`clients / bareRate`) and at least one flushed commit, however many events that commit shares.
    func bound(bareRate: Double, clients: Int) -> Double {
        let roundTrip = Double(clients) * 1e6 / bareRate
        return roundTrip / (roundTrip + p50Micros)
    }
}
