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
        try await expectRefusesUsedStore { try await AssetProducer.run(.init(), database: $0) }
        let unopenable = try ExampleProcess.run("95_01_01_asset_producer", ["--db", "/nonexistent/dir/x.sqlite"])
        #expect(unopenable.status != 0)
        #expect(unopenable.stderr.contains("cannot open the event store"))
    }
}

@Suite("95.1.2 Asset Consumer Pattern")
struct AssetConsumerTests {
    typealias Consumer = Ex95_01_02_asset_consumer.AssetConsumer
    static let orders = "s3://warehouse/orders/daily", customers = "s3://warehouse/customers"

    func run(batches: Int = 2) async throws -> Consumer.Outcome {
        try await Consumer.run(.init(batches: batches), database: TemporaryDatabase.make("95_01_02")).outcome
    }

    @Test("95.1.2/1 a DAG scheduled on [asset] runs once per update of that asset, and on nothing else")
    func scheduleOnAsset() async throws {
        let outcome = try await run(batches: 3)
        #expect(outcome.schedules[Consumer.reportDag] == [Self.orders])
        let runs = outcome.consumerRuns.filter { $0.dagId == Consumer.reportDag }
        let ordersEvents = outcome.producerRuns.filter { $0.dagId == "orders_producer" }.flatMap(\.emitted)
        #expect(ordersEvents.count == 3)
        #expect(runs.map { $0.triggeredBy.map(\.eventId) } == ordersEvents.map { [$0] }, "one run per orders event, in order")
        let customersRun = try #require(outcome.producerRuns.first { $0.dagId == "customers_producer" })
        #expect(customersRun.consumerRuns == ["\(Consumer.joinDag) #1"], "the customers update made no orders_report run")
        #expect(outcome.stillQueued[Consumer.reportDag] == [])
    }

    @Test("95.1.2/2 a DAG scheduled on [orders, customers] waits for both; later orders updates wait for customers")
    func multipleAssetDependencies() async throws {
        let outcome = try await run(batches: 3)
        #expect(outcome.schedules[Consumer.joinDag] == [Self.orders, Self.customers])
        let joins = outcome.consumerRuns.filter { $0.dagId == Consumer.joinDag }
        #expect(joins.count == 1)
        let first = outcome.producerRuns[0].emitted + outcome.producerRuns[1].emitted  // orders batch-1, customers
        #expect(joins.first?.triggeredBy.map(\.eventId) == first)
        #expect(Set(joins.first?.triggeredBy.map(\.asset) ?? []) == [Self.orders, Self.customers])
        // Orders batches 2 and 3 are both queued for the join, waiting for the next customers event.
        let later = outcome.producerRuns.dropFirst(2).flatMap(\.emitted)
        #expect(later.count == 2)
        #expect(outcome.stillQueued[Consumer.joinDag] == later)
    }

    @Test("95.1.2/3 consumer runs execute validate → aggregate → report, each task reading what the one before returned")
    func consumerStructure() async throws {
        let outcome = try await run()
        #expect(outcome.consumerRuns.count == 3)
        for run in outcome.consumerRuns {
            #expect(run.state == .success)
            #expect(run.taskOrder == ["validate", "aggregate", "report"])
            // validate's return value (the event ids) reached report through upstream values.
            #expect(run.report["events"]?.arrayValue?.compactMap(\.exactIntegerValue) == run.triggeredBy.map { Int($0.eventId) })
        }
        let join = try #require(outcome.consumerRuns.first { $0.dagId == Consumer.joinDag })
        #expect(join.report["rows"] == 160, "120 order rows + 40 customer rows, summed by aggregate")
        let reports = outcome.consumerRuns.filter { $0.dagId == Consumer.reportDag }
        #expect(reports.map { $0.report["rows"] } == [120, 140])
    }

    @Test("95.1.2/4 each consumer run traces its events to the producer runs, tasks and correlation ids, and reports them itself")
    func eventCorrelation() async throws {
        let outcome = try await run(batches: 2)
        let producers = Dictionary(uniqueKeysWithValues: outcome.producerRuns.map { ($0.runId, $0) })
        for run in outcome.consumerRuns {
            for event in run.triggeredBy {
                let producer = try #require(producers[event.producerRun], "event #\(event.eventId) comes from a producer run")
                #expect(producer.emitted.contains(event.eventId))
                #expect(event.producerDag == producer.dagId && event.sourceTask == "publish")
                #expect(event.correlationId == producer.correlationId, "the conf's correlation_id travelled in extra")
            }
            // The run's own report task read the same lineage from triggeringAssetEvents.
            let lineage = try #require(run.report["lineage"]?.arrayValue)
            #expect(lineage.compactMap { $0["event"]?.exactIntegerValue.map(Int64.init) } == run.triggeredBy.map(\.eventId))
            #expect(lineage.compactMap { $0["run"]?.stringValue } == run.triggeredBy.map(\.producerRun))
            #expect(lineage.compactMap { $0["correlation_id"]?.stringValue } == run.triggeredBy.compactMap(\.correlationId))
        }
        // Consumer runs per producer run: batch-1 orders fed both consumers, customers only the join.
        #expect(outcome.producerRuns.map(\.consumerRuns) == [["orders_report #1", "customer_orders #1"],
                                                             ["customer_orders #1"], ["orders_report #2"]])
    }

    @Test("95.1.2/expected the consumer triggers on the asset, in-process and from the command line")
    func expectedBehavior() async throws {
        let outcome = try await run(batches: 1)
        #expect(outcome.consumerRuns.map(\.dagId) == [Consumer.reportDag, Consumer.joinDag])
        #expect(outcome.consumerRuns.allSatisfy { $0.state == .success && $0.triggeredBy.first?.eventId == 1 })
        try await expectRefusesUsedStore { try await Consumer.run(.init(), database: $0) }
        let cli = try ExampleProcess.checkCommandLine("95_01_02_asset_consumer", item: "95.1.2",
                                                      badArguments: ["--batches", "0"], expectInError: "--batches")
        let runs = try #require(cli["consumerRuns"] as? [[String: Any]])
        #expect(runs.filter { $0["dagId"] as? String == "orders_report" }.count == 2)
        #expect(runs.allSatisfy { $0["state"] as? String == "success" })
    }
}

@Suite("95.1.3 Multi-Asset Dependencies")
struct MultiAssetDependenciesTests {
    func run(seed: UInt64 = 7) async throws -> MultiAssetDependencies.Outcome {
        try await MultiAssetDependencies.run(.init(seed: seed), database: TemporaryDatabase.make("95_01_03")).outcome
    }

    static let names: [String: String] = {
        let assets = (try? MultiAssetDependencies.assets()) ?? [:]
        return Dictionary(uniqueKeysWithValues: assets.values.map { ($0.uri, $0.name) })
    }()

    @Test("95.1.3/1 orders & returns & fx_rates is an AND: one run, consuming exactly the three events")
    func andLogic() async throws {
        let outcome = try await run()
        #expect(outcome.andSteps.map(\.reconcileRuns) == [0, 0, 1])
        #expect(outcome.reconcileTriggeredBy.sorted() == outcome.updateOrder.sorted())
        #expect(outcome.reconcileTriggeredBy.count == 3)
        #expect(outcome.andSteps.last?.seenByReconcile.count == 3)
    }

    @Test("95.1.3/2 whatever the update order, no run until every asset updated, and the missing ones are named",
          arguments: [1, 2, 3, 7, 42] as [UInt64])
    func allMustUpdate(seed: UInt64) async throws {
        let outcome = try await run(seed: seed)
        #expect(outcome.andSteps.map(\.reconcileRuns) == [0, 0, 1])
        #expect(outcome.andSteps.map(\.stillMissing.count) == [2, 1, 0])
        for (index, step) in outcome.andSteps.enumerated() {
            // Missing is exactly what has not been updated yet; seen is what has.
            #expect(Set(step.stillMissing) == Set(outcome.updateOrder[(index + 1)...].compactMap { Self.names[$0] }))
            #expect(Set(step.seenByReconcile) == Set(outcome.updateOrder[...index]))
        }
    }

    @Test("95.1.3/2 the seed really changes the update order")
    func seedChangesOrder() async throws {
        var orders: Set<[String]> = []
        for seed in [1, 2, 3, 7, 42] as [UInt64] { orders.insert(try await run(seed: seed).updateOrder) }
        #expect(orders.count > 1)
    }

    @Test("95.1.3/3 partial patterns: (a & b) | m runs when a & b or m holds; batched and per-event runs differ as documented")
    func partialTriggers() async throws {
        let outcome = try await run()
        // The first branch fired early_report at the update that completed orders & returns, fx_rates irrelevant.
        let completing = max(outcome.updateOrder.firstIndex(of: "s3://lake/sales/orders")!,
                             outcome.updateOrder.firstIndex(of: "s3://lake/sales/returns")!)
        #expect(outcome.andSteps.map(\.earlyReportRuns) == (0..<3).map { $0 >= completing ? 1 : 0 })
        let (ordersAlone, override) = (outcome.partial[0], outcome.partial[1])
        #expect(ordersAlone.consumed.isEmpty && ordersAlone.earlyReportRuns == 1)
        #expect(ordersAlone.stillMissing == ["returns", "manual_override"])
        #expect(override.earlyReportRuns == 2)
        #expect(override.consumed == ["orders", "manual_override"], "the override run also consumed the incomplete branch's event")

        let batched = try #require(outcome.modes.first { $0.mode == .batched })
        let perEvent = try #require(outcome.modes.first { $0.mode == .perEvent })
        #expect(batched.runs == [["clicks", "clicks", "views"]] && batched.stillQueued.isEmpty)
        #expect(perEvent.runs == [["clicks", "views"]] && perEvent.stillQueued == ["clicks"])
        #expect(batched.runsAfterNextViews == batched.runs && batched.stillQueuedAfterNextViews == ["views"])
        #expect(perEvent.runsAfterNextViews == [["clicks", "views"], ["clicks", "views"]])
        #expect(perEvent.stillQueuedAfterNextViews.isEmpty)
        #expect(batched.eachEventOnce && perEvent.eachEventOnce)
    }

    @Test("95.1.3/4 a schedule built from an asset group waits on every asset of the group, and only on those")
    func assetGrouping() async throws {
        let outcome = try await run()
        let sales = try #require(outcome.groups["sales"])
        #expect(sales == ["s3://lake/sales/invoices", "s3://lake/sales/orders", "s3://lake/sales/refunds",
                          "s3://lake/sales/returns"])
        #expect(outcome.groups["finance"] == ["s3://lake/finance/fx_rates"])
        #expect(outcome.salesGroupCondition == "invoices & orders & refunds & returns")
        #expect(outcome.salesRollupRunsBeforeLastSalesAsset == 0)
        #expect(outcome.salesRollupRuns == 1)
        #expect(Set(outcome.salesRollupConsumed) == Set(sales), "one event of each sales asset at least")
        #expect(outcome.salesRollupConsumed.count == 5, "orders was updated twice before invoices")
        // The group is read from the declared assets: a new member joins the schedule.
        let extra = try Asset(uri: "s3://lake/sales/discounts", name: "discounts", group: "sales")
        let members = MultiAssetDependencies.members(of: "sales", in: Array(try MultiAssetDependencies.assets().values) + [extra])
        #expect(members.count == 5 && members.contains(extra))
    }

    @Test("95.1.3/expected the multi-asset trigger works, in-process and from the command line")
    func expectedBehavior() async throws {
        let outcome = try await run(seed: 42)
        #expect(outcome.andSteps.map(\.reconcileRuns) == [0, 0, 1])
        #expect(outcome.partial.map(\.earlyReportRuns) == [1, 2])
        try await expectRefusesUsedStore { try await MultiAssetDependencies.run(.init(), database: $0) }
        let cli = try ExampleProcess.checkCommandLine("95_01_03_multi_asset_dependencies", item: "95.1.3",
                                                      badArguments: ["--seed", "minus-one"], expectInError: "--seed")
        let steps = try #require(cli["andSteps"] as? [[String: Any]])
        #expect(steps.compactMap { $0["reconcileRuns"] as? Int } == [0, 0, 1])
    }
}

@Suite("95.1.4 Asset Event Metadata")
struct AssetEventMetadataTests {
    typealias Example = AssetEventMetadata

    func run(runs: Int = 3, badRun: Int = 2, tamperRun: Int = 1) async throws -> Example.Outcome {
        try await Example.run(.init(runs: runs, badRun: badRun, tamperRun: tamperRun),
                              database: TemporaryDatabase.make("95_01_04")).outcome
    }

    @Test("95.1.4/1 the producer's outlet extra is stored with the asset event")
    func extraMetadata() async throws {
        let outcome = try await run(runs: 2, badRun: 0, tamperRun: 0)
        #expect(outcome.exports.map(\.eventId) == [1, 2])
        for (index, export) in outcome.exports.enumerated() {
            #expect(Set(export.extra.keys) == ["path", "row_count", "fnv1a64", "schema_version", "run"])
            #expect(export.extra["run"] == .number(Double(index + 1)))
            #expect(export.extra["row_count"] == .number(Double(50 + 10 * index)))
            #expect(export.extra["path"]?.stringValue?.hasSuffix("landing/orders-\(index + 1).csv") == true)
            #expect(export.extra["schema_version"] == 1)
            #expect(export.extra["fnv1a64"]?.stringValue?.count == 16)
        }
    }

    @Test("95.1.4/2 the consumer reads extra from its triggering event, and history from the asset's inlet events")
    func accessingEventData() async throws {
        let outcome = try await run()
        #expect(outcome.consumerRuns.map(\.extraSeen) == outcome.exports.map(\.extra), "each run saw its own event's extra")
        #expect(outcome.consumerRuns.map(\.eventId) == outcome.exports.map(\.eventId))
        let third = try #require(outcome.consumerRuns.first { $0.exportRun == 3 })
        #expect(third.inletEventsSeen == 3)
        #expect(third.rowsRead == 70)
        #expect(third.previousEventId == outcome.exports[0].eventId, "run 2 broke the schema, so run 1 is the previous valid export")
        #expect(third.deltaFromPrevious == 20)
        #expect(outcome.consumerRuns.first?.previousEventId == nil)
    }

    @Test("95.1.4/3 claim check: extra points at a real file the consumer verifies; a late write is caught; small data goes inline")
    func payloadPatterns() async throws {
        let outcome = try await run(runs: 3, badRun: 2, tamperRun: 1)
        #expect(outcome.consumerRuns.filter { $0.exportRun != 2 }.allSatisfy { $0.checksumVerified == true && $0.rowCountVerified == true })
        // The audit re-verified every file after export 1's file was appended to.
        #expect(outcome.tamperedRun == 1)
        #expect(outcome.audit.map(\.verdict) == ["mismatch", "unverifiable", "verified"])
        #expect(outcome.audit[0].problems.contains("row_count is 50 in extra, the file has 51 rows"))
        #expect(outcome.audit[0].problems.contains { $0.hasPrefix("fnv1a64 is") })
        // The pointer is far smaller than the data it stands for.
        let valid = outcome.exports.filter { $0.run != 2 }
        #expect(valid.allSatisfy { $0.extraBytes * 2 < $0.fileBytes })
        // verify() on a real file: matches, then catches a truncation.
        let export = try #require(outcome.exports.last)
        #expect(Example.verify(export.extra).verified)
        let url = URL(fileURLWithPath: try #require(export.extra["path"]?.stringValue))
        let data = try Data(contentsOf: url)
        #expect(Example.fnv1a64(data) == export.extra["fnv1a64"]?.stringValue)
        let truncated = String(decoding: data, as: UTF8.self).split(separator: "\n").dropLast().joined(separator: "\n") + "\n"
        try Data(truncated.utf8).write(to: url)
        #expect(Example.verify(export.extra).problems.count == 2, "one row fewer: both the count and the checksum differ")
        #expect(Example.verify(export.extra).rowsInFile == 69)
        #expect(Example.verify(["path": "/nonexistent/orders.csv"]).problems == ["cannot read /nonexistent/orders.csv"])
        // Inline: the consumer used the rates straight from extra.
        #expect(outcome.inlinePayload["rates"]?["USD"] == 1.08)
        #expect(outcome.inlineConsumerResult["price_usd"] == 108)
    }

    @Test("95.1.4/4 metadata that breaks the shared schema is refused by validate, with every reason, before anything is loaded")
    func metadataSchema() async throws {
        let outcome = try await run(runs: 3, badRun: 2)
        let bad = try #require(outcome.consumerRuns.first { $0.exportRun == 2 })
        #expect(bad.state == .failed)
        #expect(bad.validation?.contains("'row_count' should be integer, got \"60\"") == true)
        #expect(bad.validation?.contains("'fnv1a64' is missing") == true)
        #expect(bad.loadState == .upstreamFailed)
        #expect(bad.rowsRead == nil, "nothing was loaded from a file whose metadata is wrong")
        #expect(outcome.consumerRuns.filter { $0.exportRun != 2 }.allSatisfy { $0.state == .success })
        // The schema carries its version: extra announcing another version is refused too.
        var newer = try #require(outcome.exports.first?.extra)
        newer["schema_version"] = 2
        #expect(Example.schema.violations(of: newer) == ["'schema_version' is 2, but this schema is version 1"])
    }

    @Test("95.1.4/expected metadata flows with events, in-process and from the command line")
    func expectedBehavior() async throws {
        let outcome = try await run(runs: 4, badRun: 0, tamperRun: 0)
        #expect(outcome.consumerRuns.count == 4)
        #expect(outcome.consumerRuns.allSatisfy { $0.state == .success && $0.checksumVerified == true })
        #expect(outcome.audit.allSatisfy { $0.verdict == "verified" })
        try await expectRefusesUsedStore { try await Example.run(.init(), database: $0) }
        let cli = try ExampleProcess.checkCommandLine("95_01_04_asset_event_metadata", item: "95.1.4",
                                                      badArguments: ["--runs", "2", "--bad-run", "5"], expectInError: "--bad-run")
        let runs = try #require(cli["consumerRuns"] as? [[String: Any]])
        #expect(runs.compactMap { $0["checksumVerified"] as? Bool } == [true, true])
        let badTamper = try ExampleProcess.run("95_01_04_asset_event_metadata", ["--tamper-run", "9"])
        #expect(badTamper.status != 0 && badTamper.stderr.contains("--tamper-run"))
    }
}

@Suite("95.1.5 Conditional Asset Triggers")
struct ConditionalAssetTriggersTests {
    typealias Example = ConditionalAssetTriggers

    func run(region: String = "eu") async throws -> Example.Outcome {
        try await Example.run(.init(region: region), database: TemporaryDatabase.make("95_01_05")).outcome
    }

    static let orders = AssetKey(name: "s3://o", uri: "s3://o"), manual = AssetKey(name: "s3://m", uri: "s3://m")

    static func event(_ id: Int64, _ extra: [String: JSONValue], asset: AssetKey = orders) -> AssetEvent {
        AssetEvent(id: id, asset: asset, extra: extra, source: .api(messageId: nil), alias: nil, timestamp: Date())
    }

    @Test("95.1.5/1 the gate filters triggering events by extra: orders of other regions never make a report")
    func filterEvents() async throws {
        let outcome = try await run()
        let first = outcome.runs[0]
        #expect(first.decision == "skip")
        #expect(first.reason?.contains("#\(outcome.stimuli[0].eventId) filtered (region us)") == true)
        let third = outcome.runs[2]
        #expect(third.decision == "proceed")
        #expect(third.accepted == [outcome.stimuli[5].eventId], "the eu order; the us order next to it was filtered out")
        #expect(third.events.contains(outcome.stimuli[6].eventId))
        // The same events with --region us: the first batch proceeds, the eu one is filtered.
        let us = try await run(region: "us")
        #expect(us.runs[0].decision == "proceed" && us.runs[0].accepted == [us.stimuli[0].eventId])
        #expect(us.runs[2].accepted == [us.stimuli[6].eventId])
    }

    @Test("95.1.5/2 (orders & fx_rates) | manual_override decides when runs exist")
    func conditionalLogic() async throws {
        let outcome = try await run()
        #expect(outcome.condition == "(orders & fx_rates) | manual_override")
        // orders, fx, orders, orders, fx, orders, orders, fx, manual_override, orders
        #expect(outcome.stimuli.map(\.runsAfter) == [0, 1, 1, 1, 2, 2, 2, 3, 4, 4])
        #expect(outcome.runs.map(\.events) == [[0, 1], [2, 3, 4], [5, 6, 7], [8]].map { $0.map { outcome.stimuli[$0].eventId } })
        #expect(outcome.runs[3].assets == ["s3://lake/ops/manual_override"])
        #expect(outcome.runs[3].reason?.hasPrefix("manual override") == true)
        #expect(outcome.stillQueued == ["s3://lake/orders"], "the last orders event waits for fx_rates or an override")
    }

    @Test("95.1.5/3 events failing validation are named with the reason; the gate neither truncates nor traps")
    func eventValidation() throws {
        let (orders, manual) = (Self.orders, Self.manual)
        let verdict = { (extra: [String: JSONValue]) in Example.assess(Self.event(1, extra), region: "eu") }
        #expect(verdict(["region": "eu", "row_count": 3]).kind == .accepted)
        #expect(verdict(["region": "eu"]) == .init(eventId: 1, kind: .invalid, reason: "'row_count' is missing (integer required)"))
        #expect(verdict(["region": "eu", "row_count": 0]).reason == "row_count 0 is not positive")
        #expect(verdict(["region": "eu", "row_count": 2.5]).kind == .invalid, "2.5 rows is not an integer")
        #expect(verdict(["region": "eu", "row_count": 1e300]).kind == .invalid, "too large to be exact: refused, not a crash")
        #expect(verdict(["row_count": 3]).kind == .invalid, "no region: invalid, not merely filtered")
        #expect(verdict(["region": "us", "row_count": 3]) == .init(eventId: 1, kind: .filtered, reason: "region us"))
        // One valid event among invalid ones is enough; an override must say why.
        let output = try Example.gate([Self.event(1, ["region": "eu"]), Self.event(2, ["region": "eu", "row_count": 3])],
                                      region: "eu", orders: orders, manual: manual)
        #expect(output.value["accepted"] == [2])
        #expect(throws: TaskSkipped("manual override #5 carries no reason; an override must say why")) {
            try Example.gate([Self.event(5, [:], asset: manual)], region: "eu", orders: orders, manual: manual)
        }
    }

    @Test("95.1.5/3 in the run, invalid events skip the run with a reason naming each event")
    func eventValidationInRun() async throws {
        let outcome = try await run()
        let second = outcome.runs[1]
        #expect(second.decision == "skip")
        #expect(second.reason == "no valid eu orders among 2 orders event(s): "
            + "#\(outcome.stimuli[2].eventId) invalid ('row_count' is missing (integer required)); "
            + "#\(outcome.stimuli[3].eventId) invalid (row_count 0 is not positive)")
    }

    @Test("95.1.5/4 a skipped run skips its downstream tasks, ends success, publishes nothing and triggers nobody")
    func skipPatterns() async throws {
        let outcome = try await run()
        let skipped = outcome.runs.filter { $0.decision == "skip" }
        let proceeded = outcome.runs.filter { $0.decision == "proceed" }
        #expect(skipped.count == 2 && proceeded.count == 2)
        for run in skipped {
            #expect(run.state == .success, "skipping is a decision, not a failure")
            #expect(run.taskStates == ["gate": .skipped, "build": .skipped, "publish": .skipped])
            #expect(run.reportEvent == nil && run.notifyRun == nil)
        }
        for run in proceeded {
            #expect(run.taskStates["publish"] == .success)
            #expect(run.reportEvent != nil)
        }
        #expect(proceeded.compactMap(\.notifyRun) == [1, 2], "each report triggered exactly one notify run")
        #expect(outcome.publishedEvents == 2)
        #expect(outcome.notifyRuns == 2)
    }

    @Test("95.1.5/expected conditional triggers work, in-process and from the command line")
    func expectedBehavior() async throws {
        let outcome = try await run()
        #expect(outcome.runs.map(\.decision) == ["skip", "skip", "proceed", "proceed"])
        try await expectRefusesUsedStore { try await Example.run(.init(), database: $0) }
        let cli = try ExampleProcess.checkCommandLine("95_01_05_conditional_asset_triggers", item: "95.1.5",
                                                      badArguments: ["--region", "e u"], expectInError: "--region")
        #expect(cli["notifyRuns"] as? Int == 2)
        #expect((cli["runs"] as? [Any])?.count == 4)
    }
}

/// Runs an example twice on one database: the second run must refuse the used store (its story starts at
/// event #1) rather than print numbers that mix in the first run.
func expectRefusesUsedStore(_ run: (EventideDatabase) async throws -> some Any) async throws {
    let database = try TemporaryDatabase.make("95_01_reuse")
    _ = try await run(database)
    let error = await #expect(throws: (any Error).self) { _ = try await run(database) }
    #expect(error.map { "\($0)" }?.contains("already holds") == true, "\(String(describing: error))")
}
