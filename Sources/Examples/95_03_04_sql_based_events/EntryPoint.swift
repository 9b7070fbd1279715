import ArgumentParser
import Eventide
import EventideCLI
import EventidePostgres
import Foundation

@main
struct SqlBasedEventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_03_04_sql_based_events",
        abstract:
            "95.3.4 SQL-Based Events: SqlSensor on row counts, a flag table and query results, SQLite or Postgres.",
        discussion: """
            A producer loads batch b-1 in --batches commits of --batch-size rows while three sensors wait for it: a \
            naive 'any rows' COUNT(*) (fires at the first commit), a row-count threshold and a flag table set with \
            the last commit; each is followed by a report that counts what it can read. Then a load that fails (the \
            failure callable), an unregistered batch with and without failOnEmpty, a sensor query that writes \
            (refused: sensor queries run read-only), and paid orders handed by a sensor to an export task, twice. \
            The tables live in the runtime's SQLite store; --postgres postgres://postgres@127.0.0.1:55432/eventide \
            puts them on Postgres (scripts/servers up postgres), under names new to each run, dropped at the end.

            A reused --db is refused, not resumed: the example narrates from an empty store and creates its tables.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: ArgumentHelp("Put the tables on Postgres: postgres://user@host:port/database.", valueName: "uri"))
    var postgres: String?
    @Option(help: "Commits the load of batch b-1 takes (2 to 10).") var batches = 3
    @Option(help: "Rows per commit (1 to 1000).") var batchSize = 40

    func validate() throws {
        guard (2...10).contains(batches) else { throw ValidationError("--batches must be 2 to 10, got \(batches)") }
        guard (1...1000).contains(batchSize) else {
            throw ValidationError("--batch-size must be 1 to 1000, got \(batchSize)")
        }
        if let postgres {
            do { _ = try PostgresEndpoint(uri: postgres) } catch { throw ValidationError("--postgres: \(error)") }
        }
    }

    func run() async throws {
        try await options.run(prefix: "sql-events") { database in
            var configuration = SqlBasedEvents.Configuration(batches: batches, batchSize: batchSize)
            guard let postgres else {
                return try await SqlBasedEvents.run(
                    configuration, warehouse: SQLiteWarehouse(database: database), database: database)
            }
            let warehouse = PostgresWarehouse(endpoint: try PostgresEndpoint(uri: postgres))
            configuration.backend = .postgres
            configuration.suffix = "_\(Int(Date().timeIntervalSince1970 * 1000) % 100_000_000)"
            let tables = SqlBasedEvents.Tables(suffix: configuration.suffix)
            let result: Result<ExampleReport<SqlBasedEvents.Outcome>, any Error>
            do {
                result = .success(try await SqlBasedEvents.run(configuration, warehouse: warehouse, database: database))
            } catch { result = .failure(error) }
            try? await warehouse.transaction(
                [tables.rows, tables.flags, tables.orders].map { ("DROP TABLE IF EXISTS \($0)", []) })
            return try result.get()
        }
    }
}
