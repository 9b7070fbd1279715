import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Scheduler: asset conditions to runs", .timeLimit(.minutes(3)))
struct SchedulerTests {
    let a = try! Asset(uri: "s3://lake/a")
    let b = try! Asset(uri: "s3://lake/b")
    let c = try! Asset(uri: "s3://lake/c")

    func consumer(
        _ schedule: Schedule, mode: AssetTriggerMode = .batched, maxActiveRuns: Int = 16,
        paused: Bool = false
    ) throws -> DAG {
        try DAG(
            "consumer", schedule: schedule, maxActiveRuns: maxActiveRuns, assetTriggering: mode,
            isPausedUponCreation: paused, tasks: [TaskDefinition("work") { _ in .none }])
    }

    func scheduler(_ dags: [DAG], database: EventideDatabase? = nil) async throws -> Scheduler {
        let scheduler = Scheduler(database: try database ?? TemporaryDatabase.make("scheduler"))
        try await scheduler.register(dags, assets: [a, b, c])
        return scheduler
    }

    @discardableResult
    func emit(_ scheduler: Scheduler, _ asset: Asset, _ n: Int = 0) async throws -> Scheduler.Recorded {
        try await scheduler.recordAssetEvent(asset.key, extra: ["n": .number(Double(n))], source: .api(messageId: nil))
    }

    @Test("a & b seen as a, a, b gives exactly one run holding all three events")
    func batchedAllCondition() async throws {
        let scheduler = try await scheduler([consumer(.on(a & b))])
        #expect(try await emit(scheduler, a, 1).createdRuns.isEmpty)
        #expect(try await emit(scheduler, a, 2).createdRuns.isEmpty)
        let third = try await emit(scheduler, b, 3)
        #expect(third.createdRuns.count == 1)
        let runs = try await scheduler.runs(of: "consumer")
        try #require(runs.count == 1)
        #expect(runs[0].runType == .assetTriggered)
        #expect(runs[0].triggeringAssetEvents.map { $0.extra["n"] } == [1, 2, 3])
        #expect(try await scheduler.queuedEvents(for: "consumer").isEmpty)
    }

    @Test("schedule [a, b] means all of them")
    func listMeansAll() async throws {
        let scheduler = try await scheduler([consumer(.on([a, b]))])
        #expect(try await emit(scheduler, a).createdRuns.isEmpty)
        #expect(try await emit(scheduler, b).createdRuns.count == 1)
    }

    @Test("a | b runs on either; (a & b) | c runs on c alone")
    func anyCondition() async throws {
        let scheduler = try await scheduler([consumer(.on((a & b) | c))])
        #expect(try await emit(scheduler, a).createdRuns.isEmpty)
        #expect(try await emit(scheduler, c).createdRuns.count == 1)
        // The run consumed both queued events (a and c): Airflow's batching.
        let run = try #require(try await scheduler.runs(of: "consumer").first)
        #expect(run.triggeringAssetEvents.count == 2)
    }

    @Test("per-event mode gives one run per satisfying set, each event consumed once")
    func perEventMode() async throws {
        let scheduler = try await scheduler([consumer(.on(a & b), mode: .perEvent)])
        try await emit(scheduler, a, 1)
        try await emit(scheduler, a, 2)
        try await emit(scheduler, b, 3)
        var runs = try await scheduler.runs(of: "consumer")
        #expect(runs.map { $0.triggeringAssetEvents.map { $0.extra["n"] } } == [[1, 3]])
        #expect(try await scheduler.queuedEvents(for: "consumer").map { $0.extra["n"] } == [2])
        try await emit(scheduler, b, 4)
        runs = try await scheduler.runs(of: "consumer")
        #expect(runs.map { $0.triggeringAssetEvents.map { $0.extra["n"] } } == [[1, 3], [2, 4]])
    }

    @Test("a paused DAG keeps its events queued and visible, and runs once unpaused")
    func pausedKeepsEvents() async throws {
        let scheduler = try await scheduler([consumer(.on([a]), paused: true)])
        try await emit(scheduler, a, 1)
        try await emit(scheduler, a, 2)
        #expect(try await scheduler.runs(of: "consumer").isEmpty)
        #expect(try await scheduler.queuedEvents(for: "consumer").count == 2)
        try await scheduler.setPaused("consumer", false)
        let runs = try await scheduler.runs(of: "consumer")
        try #require(runs.count == 1)
        #expect(runs[0].triggeringAssetEvents.count == 2)
    }

    @Test("at max active runs events stay queued, nothing is dropped")
    func maxActiveRunsKeepsEvents() async throws {
        let scheduler = try await scheduler([consumer(.on([a]), mode: .perEvent, maxActiveRuns: 1)])
        for n in 1...3 { try await emit(scheduler, a, n) }
        #expect(try await scheduler.runs(of: "consumer").count == 1)
        #expect(try await scheduler.queuedEvents(for: "consumer").map { $0.extra["n"] } == [2, 3])
    }

    @Test("queued events survive a restart and make the run when the condition completes")
    func queueSurvivesRestart() async throws {
        let database = try TemporaryDatabase.make("restart")
        let before = try await scheduler([consumer(.on(a & b))], database: database)
        try await emit(before, a, 1)
        // A new process: same database, DAGs registered again.
        let reopened = try EventideDatabase(path: database.path)
        let after = try await scheduler([consumer(.on(a & b))], database: reopened)
        #expect(try await after.queuedEvents(for: "consumer").count == 1)
        try await emit(after, b, 2)
        #expect(try await after.runs(of: "consumer").first?.triggeringAssetEvents.map { $0.extra["n"] } == [1, 2])
    }

    @Test("a repeated source message id records one event")
    func messageIdDeduplicates() async throws {
        let scheduler = try await scheduler([consumer(.on([a]))])
        let first = try await scheduler.recordAssetEvent(a.key, source: .watcher(name: "w", messageId: "m1"))
        let second = try await scheduler.recordAssetEvent(a.key, source: .watcher(name: "w", messageId: "m1"))
        #expect(!first.duplicate && second.duplicate)
        #expect(second.event.id == first.event.id)
        #expect(try await scheduler.runs(of: "consumer").count == 1)
    }

    @Test("a run id given twice for the same DAG is refused; unknown DAGs and bad conf are refused")
    func manualRuns() async throws {
        let scheduler = try await scheduler([consumer(.none)])
        try await scheduler.triggerRun("consumer", runId: "r1", conf: ["x": 1])
        await #expect(throws: DagError.duplicateRunId(dagId: "consumer", runId: "r1")) {
            try await scheduler.triggerRun("consumer", runId: "r1")
        }
        await #expect(throws: DagError.unknownDag("nope")) { try await scheduler.triggerRun("nope") }
        await #expect(throws: DagError.self) { try await scheduler.triggerRun("consumer", conf: [1, 2]) }
        #expect(try await scheduler.runs(of: "consumer").map(\.conf) == [["x": 1]])
    }

    @Test("a schedule over an undeclared asset is refused at registration")
    func undeclaredAsset() async throws {
        let typo = try Asset(uri: "s3://lake/typo")
        let scheduler = Scheduler(database: try TemporaryDatabase.make("undeclared"))
        await #expect(throws: AssetError.self) {
            try await scheduler.register([try consumer(.on([typo]))], assets: [a])
        }
    }

    @Test("an alias is true when an asset it resolves to is updated, false while it resolves to nothing")
    func aliasCondition() async throws {
        let alias = try AssetAlias(name: "partitions")
        let scheduler = Scheduler(database: try TemporaryDatabase.make("alias"))
        try await scheduler.register([try consumer(.on(alias))], assets: [a])
        try await scheduler.recordAssetEvent(a.key, source: .api(messageId: nil))
        #expect(try await scheduler.runs(of: "consumer").isEmpty, "the alias resolves to nothing yet")
        let dynamic = try Asset(uri: "s3://lake/2026-11-23")
        try await scheduler.recordAssetEvent(dynamic.key, source: .api(messageId: nil), alias: alias)
        #expect(try await scheduler.runs(of: "consumer").count == 1)
    }
}

extension SchedulerTests {
    @Test("asset events and runs are stamped by the scheduler's clock")
    func stampsWithItsClock() async throws {
        let clock = TestClock()
        let scheduler = Scheduler(database: try TemporaryDatabase.make("scheduler-clock"), clock: EventideClock(clock))
        try await scheduler.register([try consumer(.on([a]))], assets: [a])
        let first = try await emit(scheduler, a, 1)
        #expect(first.event.timestamp == clock.epoch)
        await clock.advance(by: .seconds(90))
        let second = try await emit(scheduler, a, 2)
        #expect(second.event.timestamp == clock.epoch.addingTimeInterval(90))
        let runs = try await scheduler.runs(of: "consumer")
        #expect(runs.map(\.queuedAt) == [clock.epoch, clock.epoch.addingTimeInterval(90)])
    }
}

@Suite("AssetRunPlanner", .timeLimit(.minutes(3)))
struct AssetRunPlannerTests {
    let a = try! Asset(uri: "s3://x/a").key
    let b = try! Asset(uri: "s3://x/b").key

    func event(_ id: Int64, _ asset: AssetKey) -> AssetEvent {
        AssetEvent(id: id, asset: asset, extra: [:], source: .api(messageId: nil), alias: nil, timestamp: Date())
    }

    @Test("no capacity, no runs; events stay for later")
    func noCapacity() {
        let plan = AssetRunPlanner.plan(
            condition: .asset(a), mode: .perEvent, queued: [event(1, a)], aliases: [:],
            capacity: 0)
        #expect(plan.isEmpty)
    }

    @Test("per-event with a | b gives each event its own run; capacity caps the count")
    func perEventAny() {
        let queued = [event(1, a), event(2, b), event(3, a)]
        let plan = AssetRunPlanner.plan(
            condition: .any([.asset(a), .asset(b)]), mode: .perEvent, queued: queued,
            aliases: [:], capacity: 2)
        #expect(plan.map { $0.map(\.id) } == [[1], [2]])
    }

    @Test("batched with an unsatisfied condition creates nothing")
    func batchedUnsatisfied() {
        let plan = AssetRunPlanner.plan(
            condition: .all([.asset(a), .asset(b)]), mode: .batched,
            queued: [event(1, a), event(2, a)], aliases: [:], capacity: 5)
        #expect(plan.isEmpty)
    }
}
