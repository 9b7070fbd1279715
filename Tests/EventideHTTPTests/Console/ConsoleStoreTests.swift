import Eventide
import EventideConsole
import EventideTesting
import Foundation
import Testing

/// The console's read model over a store opened without its DAG definitions.
@Suite(.timeLimit(.minutes(2)))
struct ConsoleStoreTests {
    let orders = ConsoleDemo.orders.key, customers = ConsoleDemo.customers.key

    @Test func dagsCarryTheirStoredConditionWhatIsQueuedAndWhatTheyStillAwait() async throws {
        let fixture = try await ConsoleFixture()
        let dags = try await fixture.store.dags()
        #expect(dags.map(\.dagId) == ["audit_payments", "build_report", "load_customers", "load_orders"])
        let report = try #require(dags.first { $0.dagId == "build_report" })
        #expect(report.condition == .all([.asset(orders), .asset(customers)]))
        #expect(report.timetableSummary == "Asset")
        #expect(report.queued == [ConsoleStore.QueuedAsset(asset: orders, events: 1)])
        #expect(report.awaiting == [.asset(customers)])
        #expect(report.runs == [.success: 1])
        let audit = try #require(dags.first { $0.dagId == "audit_payments" })
        #expect(audit.runs == [.success: 1, .failed: 1])
        #expect(audit.queued.isEmpty && audit.awaiting == [.asset(ConsoleDemo.payments.key)])
        let load = try #require(dags.first { $0.dagId == "load_orders" })
        #expect(load.condition == nil && load.awaiting.isEmpty && load.timetableSummary == "None")
        #expect(try await fixture.store.dag("nope") == nil)
    }

    @Test func awaitingResolvesAliasesAndEmptiesWhenTheConditionHolds() async throws {
        let database = try TemporaryDatabase.make("console")
        let scheduler = Scheduler(database: database)
        let alias = try AssetAlias(name: "late_data")
        let late = try Asset(uri: "s3://lake/late")
        let dag = try DAG(
            "either", schedule: .on(ConsoleDemo.orders & alias), isPausedUponCreation: true,
            tasks: [TaskDefinition("t") { _ in .none }])
        try await scheduler.register([dag], assets: [ConsoleDemo.orders, late])
        let store = try ConsoleStore(database: database)
        #expect(try await store.dag("either")?.awaiting == [.asset(orders), .alias("late_data")])
        try await scheduler.recordAssetEvent(orders, source: .api(messageId: "1"))
        try await scheduler.recordAssetEvent(late.key, source: .api(messageId: "2"), alias: alias)
        let either = try #require(try await store.dag("either"))
        #expect(either.isPaused && either.awaiting.isEmpty)
        #expect(Set(either.queued.map(\.asset)) == [orders, late.key])
    }

    @Test func runsAreNewestFirstWithTheirTasksAndTriggeringEvents() async throws {
        let fixture = try await ConsoleFixture()
        let runs = try await fixture.store.runs()
        #expect(runs.count == fixture.written.runs)
        #expect(runs.map(\.queuedAt) == runs.map(\.queuedAt).sorted(by: >))
        let reportRun = try #require(try await fixture.store.runs(dagId: "build_report").first)
        #expect(reportRun.runType == .assetTriggered && reportRun.triggeringEvents == 2)
        let detail = try #require(try await fixture.store.run(reportRun.ref))
        #expect(detail.tasks.map(\.taskId) == ["join", "publish"])
        #expect(detail.tasks.allSatisfy { $0.state == .success && $0.tryNumber == 1 })
        #expect(Set(detail.triggeringEvents.map(\.asset)) == [orders, customers])
        #expect(detail.triggeringEvents.allSatisfy { $0.triggeredRuns == [reportRun.ref] })
        let failed = try #require(try await fixture.store.runs(dagId: "audit_payments").first { $0.state == .failed })
        let check = try #require(try await fixture.store.run(failed.ref)?.tasks.first)
        #expect(check.state == .failed && check.note != nil)
        #expect(try await fixture.store.run(DagRunRef(dagId: "build_report", runId: "nope")) == nil)
    }

    @Test func assetsCountTheirEventsAndEventsSayWhereTheyWent() async throws {
        let fixture = try await ConsoleFixture()
        let assets = try await fixture.store.assets()
        let byKey = Dictionary(uniqueKeysWithValues: assets.map { ($0.key, $0) })
        #expect(byKey[orders]?.events == 2 && byKey[customers]?.events == 1)
        #expect(byKey[ConsoleDemo.payments.key]?.events == 2 && byKey[ConsoleDemo.report.key]?.events == 1)
        let events = try await fixture.store.events(of: orders)
        #expect(events.map(\.id) == events.map(\.id).sorted(by: >))
        let (latest, first) = (try #require(events.first), try #require(events.last))
        #expect(latest.queuedFor == ["build_report"] && latest.triggeredRuns.isEmpty)
        #expect(first.queuedFor.isEmpty && first.triggeredRuns.map(\.dagId) == ["build_report"])
        #expect(latest.assetId == byKey[orders]?.id)
        #expect(try JSONValue.parse(latest.extra)["note"] == .string(ConsoleDemo.markup))
        if case .task(let dagId, _, let taskId) = latest.source {
            #expect(dagId == "load_orders" && taskId == "load")
        } else {
            Issue.record("an outlet's event is recorded by its task, got \(latest.source)")
        }
        #expect(try await fixture.store.queuedEvents(dagId: "build_report").map(\.id) == [latest.id])
    }

    @Test func watchersAndSourcesAreWhatTheStoreRecordedAndDeadLettered() async throws {
        let fixture = try await ConsoleFixture()
        let sources = try await fixture.store.sources()
        let watcher = try #require(sources.first)
        #expect(sources.count == 1 && watcher.name == ConsoleDemo.watcherName)
        #expect(watcher.assets == [ConsoleDemo.payments.key] && watcher.eventsRecorded == 2)
        #expect(watcher.deadLettersWaiting == 2 && watcher.deadLettersTotal == 2)
        #expect(watcher.lastDeadLetterReason == ConsoleDemo.PaymentError.missingAmount(id: "p-3").description)
        let overview = try await fixture.store.overview()
        #expect(overview.dags == 4 && overview.assets == 4 && overview.assetEvents == 6)
        #expect(overview.runs.values.reduce(0, +) == fixture.written.runs && overview.deadLettersWaiting == 2)
        #expect(overview.depths.assetEventQueues["build_report"] == 1)
        #expect(overview.depths.embeddedQueues[ConsoleDemo.paymentsQueue] == .init(visible: 0, inFlight: 0))
    }
}
