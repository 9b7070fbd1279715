import Eventide
import EventideTesting
import Foundation
import Testing
@testable import Ex95_01_01_asset_producer
@testable import Ex95_01_02_asset_consumer
@testable import Ex95_01_03_multi_asset_dependencies
@testable import Ex95_01_04_asset_event_metadata
@testable import Ex95_01_05_conditional_asset_triggers

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

@Suite("95.1.3 Multi-Asset Dependencies")
struct MultiAssetDependenciesTests {
    func run(seed: UInt64 = 7) async throws -> MultiAssetDependencies.Outcome {
        try await MultiAssetDependencies.run(.init(seed: seed), database: TemporaryDatabase.make("95_01_03")).outcome
    }

    @Test("95.1.3/1 orders & returns & fx_rates is an AND: one run, consuming one event of each")
    func andLogic() async throws {
        let outcome = try await run()
        #expect(outcome.andSteps.map(\.reconcileRuns) == [0, 0, 1])
        #expect(Set(outcome.reconcileTriggeredBy) == ["s3://lake/sales/orders", "s3://lake/sales/returns",
                                                       "s3://lake/finance/fx_rates"])
        #expect(outcome.reconcileTriggeredBy.count == 3)
    }

    @Test("95.1.3/2 whatever the update order, no run until every asset updated, and the missing ones are named",
          arguments: [1, 2, 3, 7, 42] as [UInt64])
    func allMustUpdate(seed: UInt64) async throws {
        let outcome = try await run(seed: seed)
        #expect(outcome.andSteps.dropLast().allSatisfy { $0.reconcileRuns == 0 })
        #expect(outcome.andSteps.last?.reconcileRuns == 1)
        #expect(outcome.andSteps.map(\.stillMissing.count) == [2, 1, 0])
        for (index, step) in outcome.andSteps.enumerated() {
            // What is missing is exactly what has not been updated yet.
            #expect(Set(step.stillMissing) == Set(outcome.updateOrder[(index + 1)...]))
        }
    }

    @Test("95.1.3/3 partial patterns: (a & b) | m runs on m alone; batched vs per-event runs differ as documented")
    func partialTriggers() async throws {
        let outcome = try await run()
        #expect(outcome.partialRuns["after orders, returns, fx_rates"] == 1)
        #expect(outcome.partialRuns["after manual_override alone"] == 2)
        let batched = try #require(outcome.modes.first { $0.mode == .batched })
        let perEvent = try #require(outcome.modes.first { $0.mode == .perEvent })
        #expect(batched.runs == [["s3://lake/web/clicks", "s3://lake/web/clicks", "s3://lake/web/views"]])
        #expect(batched.stillQueued.isEmpty)
        #expect(perEvent.runs == [["s3://lake/web/clicks", "s3://lake/web/views"]])
        #expect(perEvent.stillQueued == ["s3://lake/web/clicks"])
    }

    @Test("95.1.3/4 a schedule built from an asset group waits on every asset of the group")
    func assetGrouping() async throws {
        let outcome = try await run()
        #expect(outcome.salesGroupCondition.contains("s3://lake/sales/orders"))
        #expect(!outcome.salesGroupCondition.contains("finance"))
        #expect(outcome.salesRollupRunsBeforeLastSalesAsset == 0)
        #expect(outcome.salesRollupRuns == 1)
        #expect(outcome.salesRollupConsumed.count == 4)
    }

    @Test("95.1.3/expected the multi-asset trigger works, from the command line too")
    func expectedBehavior() async throws {
        let outcome = try ExampleProcess.checkCommandLine("95_01_03_multi_asset_dependencies", item: "95.1.3",
                                                          badArguments: ["--seed", "minus-one"], expectInError: "--seed")
        let steps = try #require(outcome["andSteps"] as? [[String: Any]])
        #expect(steps.compactMap { $0["reconcileRuns"] as? Int } == [0, 0, 1])
    }
}

@Suite("95.1.4 Asset Event Metadata")
struct AssetEventMetadataTests {
    func run(runs: Int = 3, badRun: Int = 2) async throws -> AssetEventMetadata.Outcome {
        try await AssetEventMetadata.run(.init(runs: runs, badRun: badRun), database: TemporaryDatabase.make("95_01_04")).outcome
    }

    @Test("95.1.4/1 the producer's outlet extra is stored with the asset event")
    func extraMetadata() async throws {
        let outcome = try await run(runs: 2, badRun: 0)
        #expect(outcome.emittedExtra.count == 2)
        for (index, extra) in outcome.emittedExtra.enumerated() {
            #expect(extra["run"] == .number(Double(index + 1)))
            #expect(extra["row_count"] == .number(Double(50 + 10 * index)))
            #expect(extra["path"]?.stringValue?.hasSuffix("orders-\(index + 1).csv") == true)
            #expect(extra["schema_version"] == 1)
        }
    }

    @Test("95.1.4/2 the consumer reads extra from its triggering event and history from the asset's inlet events")
    func accessingEventData() async throws {
        let outcome = try await run()
        #expect(outcome.consumerRuns.map(\.extraSeen) == outcome.emittedExtra, "each run saw its own event's extra")
        let third = try #require(outcome.consumerRuns.first { $0.exportRun == 3 })
        #expect(third.rowsRead == 70)
        #expect(third.deltaFromPrevious == 20, "70 rows now, 50 in the last valid export (run 2 broke the schema)")
    }

    @Test("95.1.4/3 claim check: the extra points at a real file whose checksum the consumer verifies; small data goes inline")
    func payloadPatterns() async throws {
        let outcome = try await run(runs: 2, badRun: 0)
        for extra in outcome.emittedExtra {
            let data = try Data(contentsOf: URL(fileURLWithPath: try #require(extra["path"]?.stringValue)))
            #expect(AssetEventMetadata.fnv1a64(data) == extra["fnv1a64"]?.stringValue)
            #expect(AssetEventMetadata.fnv1a64(data + Data("x".utf8)) != extra["fnv1a64"]?.stringValue)
        }
        #expect(outcome.consumerRuns.allSatisfy { $0.checksumVerified == true })
        #expect(outcome.inlinePayload["rates"]?["USD"] == 1.08)
        #expect(outcome.inlineConsumerResult["price_usd"] == 108)
    }

    @Test("95.1.4/4 metadata that breaks the shared schema is refused by the consumer with every reason")
    func metadataSchema() async throws {
        let outcome = try await run(runs: 3, badRun: 2)
        let bad = try #require(outcome.consumerRuns.first { $0.exportRun == 2 })
        #expect(bad.state == .failed)
        #expect(bad.validation?.contains("'row_count' should be integer") == true)
        #expect(bad.validation?.contains("'fnv1a64' is missing") == true)
        #expect(bad.rowsRead == nil, "nothing was loaded from a file whose metadata is wrong")
        #expect(outcome.consumerRuns.filter { $0.exportRun != 2 }.allSatisfy { $0.state == .success })
    }

    @Test("95.1.4/expected metadata flows with events, from the command line too")
    func expectedBehavior() async throws {
        let outcome = try ExampleProcess.checkCommandLine("95_01_04_asset_event_metadata", item: "95.1.4",
                                                          badArguments: ["--runs", "2", "--bad-run", "5"], expectInError: "--bad-run")
        let runs = try #require(outcome["consumerRuns"] as? [[String: Any]])
        #expect(runs.compactMap { $0["checksumVerified"] as? Bool } == [true, true])
    }
}

@Suite("95.1.5 Conditional Asset Triggers")
struct ConditionalAssetTriggersTests {
    typealias Example = ConditionalAssetTriggers

    func run(region: String = "eu") async throws -> Example.Outcome {
        try await Example.run(.init(region: region), database: TemporaryDatabase.make("95_01_05")).outcome
    }

    @Test("95.1.5/1 the gate filters triggering events: orders of other regions never make a report")
    func filterEvents() async throws {
        let outcome = try await run()
        let first = outcome.runs[0]
        #expect(first.decision == "skip")
        #expect(first.reason?.contains("no eu orders") == true)
        #expect(first.acceptedEvents.isEmpty)
        // With --region us the same first batch proceeds.
        let us = try await run(region: "us")
        #expect(us.runs[0].decision == "proceed")
    }

    @Test("95.1.5/2 (orders & fx_rates) | manual_override decides when runs exist")
    func conditionalLogic() async throws {
        let outcome = try await run()
        // orders, fx, orders, fx, orders, fx, manual_override, orders
        #expect(outcome.runsAfterEachStimulus == [0, 1, 1, 2, 2, 3, 4, 4])
        #expect(outcome.runs[3].triggeredBy == ["s3://lake/ops/manual_override"])
        #expect(outcome.stillQueued == ["s3://lake/orders"], "the last orders event waits for fx_rates or an override")
    }

    @Test("95.1.5/3 events failing validation skip the run with a reason naming the event")
    func eventValidation() async throws {
        let outcome = try await run()
        let second = outcome.runs[1]
        #expect(second.decision == "skip")
        #expect(second.reason?.contains("row_count must be a positive integer") == true)
        // The gate itself, on hand-made events: one valid event among invalid ones is enough.
        let orders = try Asset(uri: "s3://o").key, manual = try Asset(uri: "s3://m").key
        func event(_ id: Int64, _ extra: [String: JSONValue]) -> AssetEvent {
            AssetEvent(id: id, asset: orders, extra: extra, source: .api(messageId: nil), alias: nil, timestamp: Date())
        }
        #expect(throws: TaskSkipped.self) {
            try Example.gate([event(1, ["region": "eu", "row_count": -1])], region: "eu", orders: orders, manual: manual)
        }
        let output = try Example.gate([event(1, ["region": "eu"]), event(2, ["region": "eu", "row_count": 3])],
                                      region: "eu", orders: orders, manual: manual)
        #expect(output.value["accepted"] == [2])
    }

    @Test("95.1.5/4 a skipped run skips its downstream tasks, publishes nothing and triggers nobody")
    func skipPatterns() async throws {
        let outcome = try await run()
        for run in outcome.runs where run.decision == "skip" {
            #expect(run.taskStates == ["gate": .skipped, "build": .skipped, "publish": .skipped])
        }
        for run in outcome.runs where run.decision == "proceed" {
            #expect(run.taskStates["publish"] == .success)
        }
        #expect(outcome.publishedEvents == 2)
        #expect(outcome.notifyRuns == 2)
    }

    @Test("95.1.5/expected conditional triggers work, from the command line too")
    func expectedBehavior() async throws {
        let outcome = try ExampleProcess.checkCommandLine("95_01_05_conditional_asset_triggers", item: "95.1.5",
                                                          badArguments: ["--region", "e u"], expectInError: "--region")
        #expect(outcome["notifyRuns"] as? Int == 2)
        #expect((outcome["runs"] as? [Any])?.count == 4)
    }
}
