import Eventide
import EventideTesting
import Testing

@testable import Ex95_01_01_asset_producer

@Suite("95.1.1 Asset Producer Pattern", .timeLimit(.minutes(10)))
struct AssetProducerTests {
    func run(_ configuration: AssetProducer.Configuration = .init()) async throws -> AssetProducer.Outcome {
        try await AssetProducer.run(configuration, database: TemporaryDatabase.make("95_01_01")).outcome
    }

    static func tasks(_ states: [(String, TaskState)]) -> [AssetProducer.TaskResult] {
        states.map { AssetProducer.TaskResult(taskId: $0.0, state: $0.1) }
    }

    @Test("95.1.1/1 asset URIs are normalised, and bad URIs are refused with a typed reason")
    func defineAssetURIs() async throws {
        let outcome = try await run()
        #expect(
            outcome.declared.map(\.uri) == [
                "s3://warehouse/orders/daily",
                "s3://warehouse/orders/totals?currency=EUR&region=eu",
                "s3://etl@warehouse/orders/archive",
            ])
        try #require(outcome.declared.count == 3)
        #expect(outcome.declared[2].warnings.count == 1, "the password is dropped with a warning")
        #expect(outcome.declared[0].warnings.isEmpty && outcome.declared[1].warnings.isEmpty)
        #expect(
            outcome.rejected == [
                .init(input: "orders.csv", refusal: .missingScheme),
                .init(input: "airflow://orders", refusal: .reservedScheme),
                .init(input: "   ", refusal: .emptyURI),
            ])
        #expect(AssetProducer.declare("orders.csv") == .failure(.missingScheme("orders.csv")))
        #expect(AssetProducer.declare("airflow://orders") == .failure(.reservedScheme("airflow://orders")))
        #expect(AssetProducer.declare("   ") == .failure(.emptyURI))
        #expect(try Asset(uri: "S3://Warehouse/orders/daily/") == Asset(uri: "s3://warehouse/orders/daily"))
    }

    @Test("95.1.1/2 outlets are declared on the task that writes the assets and registered as assets")
    func outletDeclaration() async throws {
        let outcome = try await run()
        #expect(
            outcome.outlets == [
                "publish": [
                    "s3://warehouse/orders/daily",
                    "s3://warehouse/orders/totals?currency=EUR&region=eu",
                ]
            ])
        let orders = try Asset(uri: "s3://a/orders"), totals = try Asset(uri: "s3://a/totals")
        let dag = try AssetProducer.producerDag(orders: orders, totals: totals, failingRun: 0)
        let scheduler = Scheduler(database: try TemporaryDatabase.make("95_01_01_outlets"))
        #expect(await scheduler.asset(orders.key) == nil)
        try await scheduler.register([dag])
        #expect(await scheduler.asset(orders.key) != nil, "an outlet declares its asset")
        #expect(await scheduler.asset(totals.key) != nil)
        #expect(dag.outlets == [orders, totals])
    }

    @Test("95.1.1/3 each successful run emits one asset event per outlet, sourced from the publishing task")
    func assetUpdateEmission() async throws {
        let outcome = try await run(.init(runs: 3, failingRun: 0))
        #expect(outcome.runs.count == 3)
        for run in outcome.runs {
            #expect(run.state == .success)
            #expect(
                run.emitted.map(\.asset) == [
                    "s3://warehouse/orders/daily",
                    "s3://warehouse/orders/totals?currency=EUR&region=eu",
                ])
            #expect(run.emitted.allSatisfy { $0.sourceTask == "publish" })
            #expect(run.emitted.first { $0.asset == "s3://warehouse/orders/daily" }?.rowCount == 100 * run.number)
        }
        #expect(outcome.storedEventsPerAsset.values.sorted() == [3, 3])
    }

    @Test("95.1.1/4 a failed producer run emits nothing and fails its downstream tasks")
    func producerDagPattern() async throws {
        let outcome = try await run(.init(runs: 3, failingRun: 2))
        let failed = try #require(outcome.runs.first { $0.number == 2 })
        #expect(failed.state == .failed)
        #expect(
            failed.tasks
                == Self.tasks([
                    ("extract", .success), ("transform", .failed),
                    ("publish", .upstreamFailed),
                ]))
        #expect(failed.emitted.isEmpty)
        #expect(outcome.runs.filter { $0.number != 2 }.allSatisfy { $0.state == .success && $0.emitted.count == 2 })
        // The store agrees: only the successful runs' events exist.
        #expect(outcome.storedEventsPerAsset.values.sorted() == [2, 2])
    }

    @Test("95.1.1/expected asset updates are emitted, and the command line works as documented")
    func expectedBehavior() async throws {
        let outcome = try ExampleProcess.checkCommandLine(
            "95_01_01_asset_producer", item: "95.1.1",
            badArguments: ["--runs", "0"], expectInError: "--runs")
        let stored = try #require(outcome["storedEventsPerAsset"] as? [String: Int])
        #expect(stored.values.sorted() == [2, 2], "3 runs, the second fails: 2 events per asset")
        // Refuse, not resume: a used store is refused in-process and from the command line.
        try await expectRefusesUsedStore { try await AssetProducer.run(.init(), database: $0) }
        let path = try TemporaryDatabase.make("95_01_01_cli").path
        let first = try ExampleProcess.run("95_01_01_asset_producer", ["--db", path, "--json"])
        #expect(first.status == 0)
        let second = try ExampleProcess.run("95_01_01_asset_producer", ["--db", path, "--json"])
        #expect(second.status == 1 && second.stdout.isEmpty, "refused with an error, nothing printed as if it ran")
        let unopenable = try ExampleProcess.run("95_01_01_asset_producer", ["--db", "/nonexistent/dir/x.sqlite"])
        #expect(unopenable.status == 1, "an error exit, not a crash")
    }
}
