import Eventide
import EventideTesting
import Testing

@testable import Ex95_01_02_asset_consumer

@Suite("95.1.2 Asset Consumer Pattern", .timeLimit(.minutes(10)))
struct AssetConsumerTests {
    typealias Consumer = AssetConsumer
    static let orders = "s3://warehouse/orders/daily", customers = "s3://warehouse/customers"

    static func ref(_ dagId: String, _ number: Int) -> Consumer.ConsumerRunRef { .init(dagId: dagId, number: number) }

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
        #expect(
            runs.map { $0.triggeredBy.map(\.eventId) } == ordersEvents.map { [$0] },
            "one run per orders event, in order")
        let customersRun = try #require(outcome.producerRuns.first { $0.dagId == "customers_producer" })
        #expect(
            customersRun.consumerRuns == [Self.ref(Consumer.joinDag, 1)],
            "the customers update made no orders_report run")
        #expect(outcome.stillQueued[Consumer.reportDag] == [])
    }

    @Test("95.1.2/2 a DAG scheduled on [orders, customers] waits for both; later orders updates wait for customers")
    func multipleAssetDependencies() async throws {
        let outcome = try await run(batches: 3)
        #expect(outcome.schedules[Consumer.joinDag] == [Self.orders, Self.customers])
        let joins = outcome.consumerRuns.filter { $0.dagId == Consumer.joinDag }
        #expect(joins.count == 1)
        try #require(outcome.producerRuns.count == 4)
        let first = outcome.producerRuns[0].emitted + outcome.producerRuns[1].emitted  // orders batch-1, customers
        #expect(joins.first?.triggeredBy.map(\.eventId) == first)
        #expect(Set(joins.first?.triggeredBy.map(\.asset) ?? []) == [Self.orders, Self.customers])
        // Orders batches 2 and 3 are both queued for the join, waiting for the next customers event.
        let later = outcome.producerRuns.dropFirst(2).flatMap(\.emitted)
        #expect(later.count == 2)
        #expect(outcome.stillQueued[Consumer.joinDag] == later)
    }

    @Test(
        "95.1.2/3 consumer runs execute validate → aggregate → report, each task reading what the one before returned")
    func consumerStructure() async throws {
        let outcome = try await run()
        #expect(outcome.consumerRuns.count == 3)
        for run in outcome.consumerRuns {
            #expect(run.state == .success)
            #expect(run.taskOrder == ["validate", "aggregate", "report"])
            // validate's return value (the event ids) reached report through upstream values.
            #expect(
                run.report["events"]?.arrayValue?.compactMap(\.exactIntegerValue)
                    == run.triggeredBy.map { Int($0.eventId) })
        }
        let join = try #require(outcome.consumerRuns.first { $0.dagId == Consumer.joinDag })
        #expect(join.report["rows"] == 160, "120 order rows + 40 customer rows, summed by aggregate")
        let reports = outcome.consumerRuns.filter { $0.dagId == Consumer.reportDag }
        #expect(reports.map { $0.report["rows"] } == [120, 140])
    }

    @Test(
        "95.1.2/4 each consumer run traces its events to the producer runs, tasks and correlation ids, and reports them itself"
    )
    func eventCorrelation() async throws {
        let outcome = try await run(batches: 2)
        let producers = Dictionary(uniqueKeysWithValues: outcome.producerRuns.map { ($0.runId, $0) })
        for run in outcome.consumerRuns {
            for event in run.triggeredBy {
                let producer = try #require(
                    producers[event.producerRun], "event #\(event.eventId) comes from a producer run")
                #expect(producer.emitted.contains(event.eventId))
                #expect(event.producerDag == producer.dagId && event.sourceTask == "publish")
                #expect(event.correlationId == producer.correlationId, "the conf's correlation_id travelled in extra")
            }
            // The run's own report task read the same lineage from triggeringAssetEvents.
            let lineage = try #require(run.report["lineage"]?.arrayValue)
            #expect(
                lineage.compactMap { $0["event"]?.exactIntegerValue.map(Int64.init) } == run.triggeredBy.map(\.eventId))
            #expect(lineage.compactMap { $0["run"]?.stringValue } == run.triggeredBy.map(\.producerRun))
            #expect(
                lineage.compactMap { $0["correlation_id"]?.stringValue } == run.triggeredBy.compactMap(\.correlationId))
        }
        // Consumer runs per producer run: batch-1 orders fed both consumers, customers only the join.
        #expect(
            outcome.producerRuns.map(\.consumerRuns) == [
                [Self.ref("orders_report", 1), Self.ref("customer_orders", 1)],
                [Self.ref("customer_orders", 1)], [Self.ref("orders_report", 2)],
            ])
    }

    @Test("95.1.2/expected the consumer triggers on the asset, in-process and from the command line")
    func expectedBehavior() async throws {
        let outcome = try await run(batches: 1)
        #expect(outcome.consumerRuns.map(\.dagId) == [Consumer.reportDag, Consumer.joinDag])
        #expect(outcome.consumerRuns.allSatisfy { $0.state == .success && $0.triggeredBy.first?.eventId == 1 })
        // Refuse, not resume: a second run on the same store is refused.
        try await expectRefusesUsedStore { try await Consumer.run(.init(), database: $0) }
        let cli = try ExampleProcess.checkCommandLine(
            "95_01_02_asset_consumer", item: "95.1.2",
            badArguments: ["--batches", "0"], expectInError: "--batches")
        let runs = try #require(cli["consumerRuns"] as? [[String: Any]])
        #expect(runs.filter { $0["dagId"] as? String == "orders_report" }.count == 2)
        #expect(runs.allSatisfy { $0["state"] as? String == "success" })
    }
}
