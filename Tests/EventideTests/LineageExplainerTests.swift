import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Explain: why an asset event did or did not trigger each DAG scheduled on its asset", .timeLimit(.minutes(2)))
struct LineageExplainerTests {
    let a = try! Asset(uri: "s3://lake/a", name: "a")
    let b = try! Asset(uri: "s3://lake/b", name: "b")

    func task() -> [TaskDefinition] { [TaskDefinition("t") { _ in .none }] }

    func consumer(_ explanation: EventExplanation, _ dagId: String) throws -> EventExplanation.Consumer {
        try #require(explanation.consumers.first { $0.dagId == dagId })
    }

    @Test("the decision follows the scheduler's order: consumed, queued, paused, condition, run limit, timetable")
    func decisionOrder() {
        let consumed = PropagationVerdict.decide(
            consumedBy: ("r1", .success), queued: false, paused: true, conditionMet: false, awaits: ["b"],
            activeRuns: 9, maxActiveRuns: 1, timeGated: true)
        #expect(consumed == .triggered(runId: "r1", state: .success))
        func decide(queued: Bool = true, paused: Bool = false, met: Bool = true, active: Int = 0, gated: Bool = false)
            -> PropagationVerdict
        {
            .decide(
                consumedBy: nil, queued: queued, paused: paused, conditionMet: met, awaits: met ? [] : ["b"],
                activeRuns: active, maxActiveRuns: 2, timeGated: gated)
        }
        #expect(decide(queued: false) == .notQueued)
        #expect(decide(paused: true, met: false) == .paused(conditionMet: false, awaits: ["b"]))
        #expect(decide(met: false, active: 5) == .waiting(awaits: ["b"]))
        #expect(decide(active: 2, gated: true) == .atActiveRunLimit(active: 2, limit: 2))
        #expect(decide(gated: true) == .waitsForTimetable)
        #expect(decide() == .runPending)
        #expect(!decide().triggered && consumed.triggered)
    }

    @Test("direct, via alias and via reference: each consumer says how it names the asset and what became of the event")
    func linksAndVerdicts() async throws {
        let scheduler = Scheduler(database: try TemporaryDatabase.make("explain-links"))
        let daily = try AssetAlias(name: "daily")
        try await scheduler.register(
            [
                try DAG("direct", schedule: .on([a]), tasks: task()),
                try DAG("via_alias", schedule: .on(daily), tasks: task()),
                try DAG("via_ref", schedule: .on(try Asset.ref(name: "a")), tasks: task()),
                try DAG("needs_b", schedule: .on(a & b), tasks: task()),
                try DAG("paused", schedule: .on([a]), isPausedUponCreation: true, tasks: task()),
                try DAG("unrelated", schedule: .on([b]), tasks: task()),
            ], assets: [a, b])
        let recorded = try await scheduler.recordAssetEvent(a.key, source: .api(messageId: "e1"), aliases: [daily])
        let explanation = try LineageExplainer(database: scheduler.database).explain(event: recorded.event.id)
        #expect(explanation.event.asset == a.key)
        #expect(explanation.consumers.map(\.dagId) == ["direct", "needs_b", "paused", "via_alias", "via_ref"])
        let direct = try consumer(explanation, "direct")
        let run = try #require(recorded.createdRuns.first { $0.dagId == "direct" })
        #expect(direct.link == .direct && direct.verdict == .triggered(runId: run.runId, state: .queued))
        #expect(try consumer(explanation, "via_alias").link == .alias("daily"))
        #expect(try consumer(explanation, "via_alias").verdict.triggered)
        #expect(try consumer(explanation, "via_ref").link == .reference("ref:name:a"))
        #expect(try consumer(explanation, "via_ref").verdict.triggered)
        let needsB = try consumer(explanation, "needs_b")
        #expect(needsB.queued && needsB.verdict == .waiting(awaits: ["b"]))
        let paused = try consumer(explanation, "paused")
        #expect(paused.paused && paused.verdict == .paused(conditionMet: true, awaits: []))
    }

    @Test("a DAG registered after the event never had it queued: not queued, not triggered")
    func registeredAfterwards() async throws {
        let scheduler = Scheduler(database: try TemporaryDatabase.make("explain-late"))
        try await scheduler.register([], assets: [a])
        let recorded = try await scheduler.recordAssetEvent(a.key, source: .api(messageId: nil))
        try await scheduler.register([try DAG("late", schedule: .on([a]), tasks: task())])
        let explanation = try LineageExplainer(database: scheduler.database).explain(event: recorded.event.id)
        #expect(try consumer(explanation, "late").verdict == .notQueued)
    }

    @Test("at the active-run limit (known once a tracker recorded the DAG's max_active_runs); unknown without")
    func activeRunLimit() async throws {
        let scheduler = Scheduler(database: try TemporaryDatabase.make("explain-limit"))
        try await scheduler.register(
            [try DAG("one_at_a_time", schedule: .on([a]), maxActiveRuns: 1, tasks: task())], assets: [a])
        try await scheduler.recordAssetEvent(a.key, source: .api(messageId: nil))  // a run, queued: no executor
        let second = try await scheduler.recordAssetEvent(a.key, source: .api(messageId: nil))
        let explainer = LineageExplainer(database: scheduler.database)
        #expect(try consumer(explainer.explain(event: second.event.id), "one_at_a_time").verdict == .runPending)
        try await LineageTracker(scheduler: scheduler).catchUp()
        #expect(
            try consumer(explainer.explain(event: second.event.id), "one_at_a_time").verdict
                == .atActiveRunLimit(active: 1, limit: 1))
        let dag = try explainer.explain(dag: "one_at_a_time")
        #expect(dag.activeRuns == 1 && dag.maxActiveRuns == 1)
        #expect(dag.queued.map(\.id) == [second.event.id] && dag.conditionMet)
        #expect(dag.verdict == .atActiveRunLimit(active: 1, limit: 1))
        #expect(dag.recentRuns.count == 1 && dag.recentRuns.first?.consumed.count == 1)
    }

    @Test("explaining a DAG: its queued events, what its condition awaits, pause; nothing queued has no verdict")
    func explainDag() async throws {
        let scheduler = Scheduler(database: try TemporaryDatabase.make("explain-dag"))
        try await scheduler.register([try DAG("needs_both", schedule: .on(a & b), tasks: task())], assets: [a, b])
        let explainer = LineageExplainer(database: scheduler.database)
        let empty = try explainer.explain(dag: "needs_both")
        #expect(empty.queued.isEmpty && empty.verdict == nil && empty.awaits == ["a", "b"])
        let event = try await scheduler.recordAssetEvent(a.key, source: .api(messageId: nil))
        let waiting = try explainer.explain(dag: "needs_both")
        #expect(waiting.condition == "a & b" && !waiting.paused)
        #expect(waiting.queued.map(\.id) == [event.event.id] && waiting.queued.map(\.asset) == ["a"])
        #expect(waiting.verdict == .waiting(awaits: ["b"]))
    }

    @Test("unknown events and DAGs are typed errors")
    func unknowns() throws {
        let explainer = LineageExplainer(database: try TemporaryDatabase.make("explain-unknown"))
        #expect(throws: LineageError.unknownEvent(5)) { try explainer.explain(event: 5) }
        #expect(throws: LineageError.unknownDag("x")) { try explainer.explain(dag: "x") }
    }
}
