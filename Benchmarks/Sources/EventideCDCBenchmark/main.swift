import ArgumentParser
import Eventide
import EventidePostgres
import EventideTesting
import Foundation
import PostgresNIO

/// Change-capture throughput from Postgres into the durable log. Needs the test server
/// (`scripts/servers up postgres`); build in release mode:
/// `swift run --package-path Benchmarks -c release eventide-cdc-benchmark`.
@main
struct CDCBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventide-cdc-benchmark",
        abstract: "Inserts rows in Postgres, then measures change events per second from the slot into the log.")

    @Option(help: "Rows to insert (1...200000).") var rows = 20_000
    @Option(help: "Rows per inserting transaction.") var rowsPerTransaction = 100
    @Option(help: "Rows per peek (the reader's batch size).") var batch = 1_000
    @Option(help: "Postgres port on 127.0.0.1.") var port = 55432
    @Option(help: "Give up after this many seconds of capturing.") var timeLimit = 120.0

    func validate() throws {
        guard (1...200_000).contains(rows) else { throw ValidationError("--rows must be in 1...200000") }
        guard (1...rows).contains(rowsPerTransaction) else {
            throw ValidationError("--rows-per-transaction must be in 1...rows")
        }
        guard (1...100_000).contains(batch) else { throw ValidationError("--batch must be in 1...100000") }
    }

    func run() async throws {
        #if DEBUG
            print("eventide-cdc-benchmark (DEBUG build: numbers are not representative)")
        #else
            print("eventide-cdc-benchmark (release build)")
        #endif
        let endpoint = PostgresEndpoint(port: port, database: "eventide")
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let table = "public.cdc_bench_\(suffix)", slot = "eventide_cdc_bench_\(suffix)"
        let admin = try await endpoint.connect()
        let logger = PostgresEndpoint.quietLogger
        let log = EventLog(database: try TemporaryDatabase.make("cdc-bench"))
        try await log.createTopic("changes")
        let reader = PostgresCDCReader(
            endpoint: endpoint, slot: slot, tables: [table], messagePrefixes: ["cdc_bench_\(suffix)"],
            batchSize: batch, log: log, topic: "changes")
        do {
            try await admin.query(
                PostgresQuery(
                    unsafeSQL:
                        "CREATE TABLE \(table) (id int PRIMARY KEY, customer text NOT NULL, amount numeric(10,2), created_at timestamptz DEFAULT now())"
                ),
                logger: logger)
            try await reader.open()

            let insertStart = ContinuousClock.now
            var transactions = 0
            for first in stride(from: 1, through: rows, by: rowsPerTransaction) {
                let last = min(rows, first + rowsPerTransaction - 1)
                try await admin.query(
                    PostgresQuery(
                        unsafeSQL: """
                            INSERT INTO \(table) (id, customer, amount)
                            SELECT n, 'customer-' || (n % 97), (n % 1000) / 10.0 FROM generate_series(\(first), \(last)) AS n
                            """), logger: logger)
                transactions += 1
            }
            let inserting = ContinuousClock.now - insertStart
            print("inserted \(rows) rows in \(transactions) transactions in \(format(inserting)) s")

            var peekTime = Duration.zero, appendTime = Duration.zero, advanceTime = Duration.zero
            var captured = 0, duplicates = 0, batches = 0
            let deadline = ContinuousClock.now + .seconds(timeLimit)
            let captureStart = ContinuousClock.now
            while captured < rows, ContinuousClock.now < deadline {
                var t = ContinuousClock.now
                let next = try await reader.readBatch()
                peekTime += ContinuousClock.now - t
                guard !next.changes.isEmpty || next.resumeLSN != nil else { break }
                t = ContinuousClock.now
                let results = try await reader.store(next)
                appendTime += ContinuousClock.now - t
                t = ContinuousClock.now
                try await reader.advance(past: next)
                advanceTime += ContinuousClock.now - t
                captured += results.count
                duplicates += results.filter(\.duplicate).count
                batches += 1
            }
            let capturing = ContinuousClock.now - captureStart
            let stored = try await log.endOffset(topic: "changes", partition: 0)
            print(
                "captured \(captured) changes in \(batches) batches of up to \(batch) rows in \(format(capturing)) s: "
                    + "\(Int(Double(captured) / seconds(capturing))) change events/s (peek -> decode -> append -> advance)"
            )
            print(
                "  peek + decode: \(format(peekTime)) s, append to the log: \(format(appendTime)) s, advance the slot: \(format(advanceTime)) s"
            )
            print("  log records: \(stored) (expected \(rows)), duplicates: \(duplicates)")
            if stored != rows { print("  INCOMPLETE: the time limit ended the capture") }
        } catch {
            print("failed: \(error)")
        }
        try? await reader.dropSlot()
        await reader.close()
        _ = try? await admin.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(table)"), logger: logger)
        try? await admin.close()
    }

    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    func format(_ duration: Duration) -> String { String(format: "%.2f", seconds(duration)) }
}
