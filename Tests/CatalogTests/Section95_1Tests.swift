import Eventide
import EventideTesting
import Foundation
import Testing
@testable import Ex95_01_01_asset_producer
@testable import Ex95_01_02_asset_consumer

@Suite("95.1.1 Asset Producer Pattern")
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
        let unopenable = try ExampleProcess.run("95_01_01_asset_producer", ["--db", "/nonexistent/dir/x.sqlite"])
        #expect(unopenable.status != 0)
        #expect(unopenable.stderr.contains("cannot open the event store"))
    }
}

@Suite("95.1.2 Asset Consumer Pattern")
struct AssetConsumerTests {
    typealias Consumer = Ex95_01_02_asset_consumer.AssetConsumer

    func run(batches: Int = 2) async throws -> Consumer.Outcome {
        try await Consumer.run(.init(batches: batches), database: TemporaryDatabase.make("95_01_02")).outcome
    }

    @Test("95.1.2/1 a DAG scheduled on [asset] runs once per update of that asset, and only then")
    func scheduleOnAsset() async throws {
        let outcome = try await run(batches: 3)
        let runs = outcome.consumerRuns.filter { $0.dagId == Consumer.reportDag }
        #expect(runs.count == 3)
        #expect(runs.allSatisfy { $0.triggeredBy.count == 1 && $0.triggeredBy[0].asset == "s3://warehouse/orders/daily" })
        #expect(outcome.schedules[Consumer.reportDag] == ["s3://warehouse/orders/daily"])
    }

    @Test("95.1.2/2 a DAG scheduled on [orders, customers] waits for both and consumes both events")
    func multipleAssetDependencies() async throws {
        let outcome = try await run(batches: 2)
        let joins = outcome.consumerRuns.filter { $0.dagId == Consumer.joinDag }
        #expect(joins.count == 1)
        #expect(Set(joins[0].triggeredBy.map(\.asset)) == ["s3://warehouse/orders/daily", "s3://warehouse/customers"])
        // The second orders batch waits in the queue for the next customers update.
        let queued = try #require(outcome.stillQueued[Consumer.joinDag])
        #expect(queued.count == 1)
        let secondOrders = outcome.consumerRuns.filter { $0.dagId == Consumer.reportDag }.last?.triggeredBy.first?.eventId
        #expect(queued == [secondOrders].compactMap { $0 })
    }

    @Test("95.1.2/3 consumer runs execute validate → aggregate → report, each task reading its upstream")
    func consumerStructure() async throws {
        let outcome = try await run()
        for run in outcome.consumerRuns {
            #expect(run.state == .success)
            #expect(run.taskOrder == ["validate", "aggregate", "report"])
            #expect(run.report["events"]?.arrayValue?.compactMap(\.intValue) == run.triggeredBy.map { Int($0.eventId) })
        }
        let join = try #require(outcome.consumerRuns.first { $0.dagId == Consumer.joinDag })
        #expect(join.report["rows"] == 160, "120 order rows + 40 customer rows, summed by aggregate")
    }

    @Test("95.1.2/4 each consumer run traces its events back to the producer runs and their correlation ids")
    func eventCorrelation() async throws {
        let outcome = try await run(batches: 2)
        for run in outcome.consumerRuns {
            for event in run.triggeredBy {
                #expect(outcome.producerRuns.contains(event.producerRun))
                #expect(["orders_producer", "customers_producer"].contains(event.producerDag))
            }
            let ids = Set(run.triggeredBy.compactMap(\.correlationId))
            #expect(run.report["correlation_ids"]?.arrayValue?.compactMap(\.stringValue) == ids.sorted())
        }
        let reports = outcome.consumerRuns.filter { $0.dagId == Consumer.reportDag }
        #expect(reports.map { $0.triggeredBy[0].correlationId } == ["batch-1", "batch-2"])
    }

    @Test("95.1.2/expected the consumer triggers on the asset, from the command line too")
    func expectedBehavior() async throws {
        let outcome = try ExampleProcess.checkCommandLine("95_01_02_asset_consumer", item: "95.1.2",
                                                          badArguments: ["--batches", "0"], expectInError: "--batches")
        let runs = try #require(outcome["consumerRuns"] as? [[String: Any]])
        #expect(runs.filter { $0["dagId"] as? String == "orders_report" }.count == 2)
        #expect(runs.allSatisfy { $0["state"] as? String == "success" })
    }
}
