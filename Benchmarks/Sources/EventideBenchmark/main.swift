import ArgumentParser
import Eventide
import EventideTesting
import Foundation
import GRDBSQLite

/// Prints the runtime's figures in one run. Build in release mode, from the repository root:
/// `swift run --package-path Benchmarks -c release eventide-benchmark`.
@main
struct Benchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventide-benchmark",
        abstract: "Measures log append throughput, asset-event-to-task latency and idle CPU.")

    @Option(help: "Events per append measurement.") var events = 20_000
    @Option(help: "Asset events for the latency measurement.") var latencyEvents = 1_000
    @Option(help: "Seconds the idle scheduler is measured.") var idleSeconds = 10.0
    @Option(help: "Watchers registered during the idle measurement.") var watchers = 10

    func run() async throws {
        print("eventide-benchmark (\(isDebugBuild ? "DEBUG build: numbers are not representative" : "release build"))")
        try await appendThroughput()
        try await latency()
        try await idleCPU()
    }

    var isDebugBuild: Bool {
        #if DEBUG
            true
        #else
            false
        #endif
    }

    // MARK: 1. Append throughput against raw sqlite3 inserts

    func appendThroughput() async throws {
        print("\n1. Durable log appends (\(events) events, WAL), at both durabilities")
        let payload: JSONValue = ["order_id": "o-123", "amount": 42.5, "currency": "EUR"]
        var singleCommitRate: [EventideDatabase.Durability: Double] = [:]
        for durability in [EventideDatabase.Durability.full, .normal] {
            for perCommit in [1, 1_000] {
                let folder = try TemporaryDatabase.folder("bench-log")
                let database = try EventideDatabase(
                    path: folder.appendingPathComponent("eventide.sqlite").path, durability: durability)
                let log = EventLog(database: database)
                try await log.createTopic("bench", partitions: 4)
                let batches = (0..<(events / perCommit)).map { b in
                    (0..<perCommit).map { i in
                        LogAppend(
                            try! EventEnvelope(id: "e-\(b)-\(i)", type: "bench.event", source: "/bench", data: payload),
                            key: "k\(i % 64)")
                    }
                }
                let start = ContinuousClock.now
                for batch in batches { try await log.append(batch, to: "bench") }
                let ours = Double(events) / (ContinuousClock.now - start).inSeconds
                if perCommit == 1 { singleCommitRate[durability] = ours }

                let raw = try rawInserts(perCommit: perCommit, events: batches.flatMap { $0 }, durability: durability)
                let level = durability.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)
                print(
                    "   synchronous=\(level)"
                        + String(
                            format:
                                " %5d per commit: eventide %10.0f appends/s   raw sqlite3 %10.0f inserts/s   ratio %.2f",
                            perCommit, ours, raw, ours / raw))
            }
        }
        if let full = singleCommitRate[.full], let normal = singleCommitRate[.normal] {
            // FULL syncs the WAL at every commit (the default: a commit before an acknowledgement to a source is
            // on disk); NORMAL only at checkpoints. The difference per commit is what that flush costs here.
            print(
                String(
                    format: "   the flush FULL adds per commit: %.3f ms (%.3f ms vs %.3f ms a commit)",
                    (1 / full - 1 / normal) * 1_000, 1_000 / full, 1_000 / normal))
        }
    }

    /// The same rows into the same table shape through the sqlite3 C API: prepared statement, one
    /// transaction per `perCommit` rows, the same pragmas. The floor our log is measured against.
    func rawInserts(
        perCommit: Int, events: [LogAppend], durability: EventideDatabase.Durability
    ) throws -> Double {
        let folder = try TemporaryDatabase.folder("bench-raw")
        var db: OpaquePointer?
        guard sqlite3_open(folder.appendingPathComponent("raw.sqlite").path, &db) == SQLITE_OK else {
            throw ValidationError("cannot open raw sqlite database")
        }
        defer { sqlite3_close(db) }
        func exec(_ sql: String) { sqlite3_exec(db, sql, nil, nil, nil) }
        exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=\(durability.rawValue);")
        exec(
            """
            CREATE TABLE log_record (topic TEXT NOT NULL, partition INTEGER NOT NULL, "offset" INTEGER NOT NULL,
              key TEXT, idempotency_key TEXT, event_id TEXT NOT NULL, event TEXT NOT NULL, appended_at REAL NOT NULL,
              PRIMARY KEY (topic, partition, "offset")) WITHOUT ROWID;
            """)
        var statement: OpaquePointer?
        sqlite3_prepare_v2(db, "INSERT INTO log_record VALUES (?, ?, ?, ?, NULL, ?, ?, ?)", -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var offsets = [Int](repeating: 0, count: 4)
        let start = ContinuousClock.now
        for (index, item) in events.enumerated() {
            if index % perCommit == 0 { exec("BEGIN IMMEDIATE") }
            let partition = Partitioner.partition(forKey: item.key ?? "", partitions: 4)
            let json = String(decoding: try encoder.encode(item.event), as: UTF8.self)
            sqlite3_bind_text(statement, 1, "bench", -1, transient)
            sqlite3_bind_int64(statement, 2, Int64(partition))
            sqlite3_bind_int64(statement, 3, Int64(offsets[partition]))
            sqlite3_bind_text(statement, 4, item.key, -1, transient)
            sqlite3_bind_text(statement, 5, item.event.id, -1, transient)
            sqlite3_bind_text(statement, 6, json, -1, transient)
            sqlite3_bind_double(statement, 7, Date().timeIntervalSince1970)
            offsets[partition] += 1
            guard sqlite3_step(statement) == SQLITE_DONE else { throw ValidationError("raw insert failed") }
            sqlite3_reset(statement)
            if index % perCommit == perCommit - 1 { exec("COMMIT") }
        }
        return Double(events.count) / (ContinuousClock.now - start).inSeconds
    }

    // MARK: 2. Asset event → consumer task start latency

    func latency() async throws {
        print("\n2. Asset event recorded → consumer task started (\(latencyEvents) events, one at a time)")
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("bench-latency"))
        let asset = try Asset(uri: "bench://orders")
        let starts = AsyncStream.makeStream(of: ContinuousClock.Instant.self)
        let consumer = try DAG(
            "consumer", schedule: .on([asset]), maxActiveRuns: 1_000, assetTriggering: .perEvent,
            tasks: [
                TaskDefinition("start") { _ in
                    starts.continuation.yield(.now); return .none
                }
            ])
        try await orchestrator.register(dags: [consumer], assets: [asset])
        let (samples, recording) = try await orchestrator.withServices {
            var samples: [Double] = [], recording: [Double] = []
            var iterator = starts.stream.makeAsyncIterator()
            for n in 0..<latencyEvents {
                let sent = ContinuousClock.now
                try await orchestrator.scheduler.recordAssetEvent(
                    asset.key, extra: ["n": .number(Double(n))],
                    source: .api(messageId: nil))
                recording.append((ContinuousClock.now - sent).inMilliseconds)
                guard let started = await iterator.next() else { break }
                samples.append((started - sent).inMilliseconds)
            }
            return (samples.sorted(), recording.sorted())
        }
        func percentile(_ values: [Double], _ p: Double) -> Double {
            values[min(values.count - 1, Int(Double(values.count) * p))]
        }
        print(
            String(
                format: "   p50 %.3f ms   p99 %.3f ms   max %.3f ms   (goal: p50 < 1 ms, p99 < 10 ms)",
                percentile(samples, 0.5), percentile(samples, 0.99), samples.last ?? 0))
        print(
            String(
                format: "   of which recording the event and creating the run (one transaction): p50 %.3f ms",
                percentile(recording, 0.5)))
    }

    // MARK: 3. CPU of an idle scheduler with watchers

    func idleCPU() async throws {
        print("\n3. Idle scheduler, triggerer and executor with \(watchers) file watchers for \(idleSeconds) s")
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("bench-idle"))
        var assets: [Asset] = []
        for n in 0..<watchers {
            let folder = try TemporaryDatabase.folder("bench-idle-\(n)")
            assets.append(
                try Asset(
                    uri: "file://\(folder.path)", name: "landing_\(n)",
                    watchers: [
                        AssetWatcher(name: "watcher_\(n)", trigger: FileArrivalTrigger(directory: folder))
                    ]))
        }
        let dag = try DAG(
            "idle_consumer", schedule: .assets(assets.dropFirst().reduce(assets[0].assetCondition) { $0 | $1 }),
            tasks: [TaskDefinition("noop") { _ in .none }])
        try await orchestrator.register(dags: [dag], assets: assets)
        let (cpu, running) = try await orchestrator.withServices {
            for n in 0..<watchers {
                _ = try await orchestrator.triggerer.waitFor(watcher: "watcher_\(n)", state: .running)
            }
            let before = cpuSeconds()
            let start = ContinuousClock.now
            try await Task.sleep(for: .seconds(idleSeconds))
            let used = cpuSeconds() - before
            let running = await orchestrator.triggerer.statuses.filter { $0.state == .running }.count
            return (used / (ContinuousClock.now - start).inSeconds, running)
        }
        print(String(format: "   CPU %.3f%% of one core with %d watchers running   (goal: < 1%%)", cpu * 100, running))
    }

    func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
