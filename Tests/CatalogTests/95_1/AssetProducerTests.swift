import Eventide
import EventideTesting
import Foundation
import Testing
@testable import Ex95_01_01_asset_producer
@testable import Ex95_01_02_asset_consumer
@testable import Ex95_01_04_asset_event_metadata
@testable import Ex95_01_05_conditional_asset_triggers

@Suite("95.1.1 Asset Producer Pattern", .timeLimit(.minutes(10)))
struct AssetProducerTests {
    func run(_ configuration: AssetProducer.Configuration = .init()) async throws -> AssetProducer.Outcome {
        try await AssetProducer.run(configuration, database: TemporaryDatabase.make("95_01_01")).outcome
    }

    @Test("95.1.1/1 asset URIs are normalised, and bad URIs are refused with a typed reason")
    func defineAssetURIs() async throws {
        let outcome = try await run()
        #expect(outcome.declared.map(\.uri) == ["s3://warehouse/orders/daily",
                                                "s3://warehouse/orders/totals?currency=EUR&region=eu",
                                                "s3://etl@warehouse/orders/archive"])
        #expect(outcome.declared[2].warnings.count == 1, "the password is dropped with a warning")
        #expect(outcome.rejected.map(\.input) == ["orders.csv", "airflow://orders", "   "])
        #expect(throws: AssetError.missingScheme("orders.csv")) { try Asset(uri: "orders.csv") }
        #expect(throws: AssetError.reservedScheme("airflow://orders")) { try Asset(uri: "airflow://orders") }
        #expect(throws: AssetError.emptyURI) { try Asset(uri: "   ") }
        #expect(try Asset(uri: "S3://Warehouse/orders/daily/") == Asset(uri: "s3://warehouse/orders/daily"))
    }

    @Test("95.1.1/2 outlets are declared on the task that writes the assets and registered as assets")
    func outletDeclaration() async throws {
        let outcome = try await run()
        #expect(outcome.outlets == ["publish": ["s3://warehouse/orders/daily",
                                                "s3://warehouse/orders/totals?currency=EUR&region=eu"]])
        let orders = try Asset(uri: "s3://a/orders"), totals = try Asset(uri: "s3://a/totals")
        let dag = try AssetProducer.producerDag(orders: orders, totals: totals, failingRun: 0)
        let scheduler = Scheduler(database: try TemporaryDatabase.make("95_01_01_outlets"))
        try await scheduler.register([dag])
        #expect(await scheduler.asset(orders.key) != nil, "an outlet declares its asset")
        #expect(dag.outlets == [orders, totals])
    }

    @Test("95.1.1/3 each successful run emits one asset event per outlet, sourced from the publishing task")
    func assetUpdateEmission() async throws {
        let outcome = try await run(.init(runs: 3, failingRun: 0))
        for run in outcome.runs {
            #expect(run.emitted.count == 2)
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
        #expect(failed.taskStates == ["extract=success", "transform=failed", "publish=upstream_failed"])
        #expect(failed.emitted.isEmpty)
        #expect(outcome.runs.filter { $0.number != 2 }.allSatisfy { $0.state == .success && $0.emitted.count == 2 })
    }

    @Test("95.1.1/expected asset updates are emitted, and the command line works as documented")
    func expectedBehavior() async throws {
        let outcome = try ExampleProcess.checkCommandLine("95_01_01_asset_producer", item: "95.1.1",
                                                          badArguments: ["--runs", "0"], expectInError: "--runs")
        let stored = try #require(outcome["storedEventsPerAsset"] as? [String: Int])
        #expect(stored.values.sorted() == [2, 2], "3 runs, the second fails: 2 events per asset")
        try await expectRefusesUsedStore { try await AssetProducer.run(.init(), database: $0) }
        let unopenable = try ExampleProcess.run("95_01_01_asset_producer", ["--db", "/nonexistent/dir/x.sqlite"])
        #expect(unopenable.status != 0)
        #expect(unopenable.stderr.contains("cannot open the event store"))
    }
}
