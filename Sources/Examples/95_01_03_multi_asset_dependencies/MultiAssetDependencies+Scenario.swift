import Eventide
import EventideCLI
import Foundation

/// Drives the pipeline of `MultiAssetDependencies.swift`: the three producers in a seeded order, the partial
/// pattern, the two triggering modes and the group schedule; measures runs and queues after every event.
extension MultiAssetDependencies {
    static let item = "95.1.3"
    static let title = "Multi-Asset Dependencies"

    struct Configuration: Sendable {
        /// Seeds the order in which the three producers run.
        var seed: UInt64 = 7
    }

    enum ScenarioError: Error, Equatable {
        /// A producer's run finished without an asset event: the outlet mechanism is broken.
        case noEventFrom(dagId: String)
    }

    /// The state right after one producer updated its asset.
    struct Step: Codable, Sendable, Hashable {
        let updated: String
        let eventId: Int64
        /// Assets `reconcile` had events of, read from the store: queued for it, or consumed by a run this
        /// update created.
        let seenByReconcile: [String]
        /// What `reconcile`'s condition still awaited over `seenByReconcile`.
        let stillMissing: [String]
        let reconcileRuns: Int
        let earlyReportRuns: Int
    }

    /// One event recorded for the partial pattern `(orders & returns) | manual_override`.
    struct PartialStep: Codable, Sendable, Hashable {
        let stimulus: String
        let eventId: Int64
        let earlyReportRuns: Int
        /// What the condition still awaited after the event (empty when it made a run).
        let stillMissing: [String]
        /// The assets of the events the run created by this event consumed (empty: no run).
        let consumed: [String]
    }

    struct ModeResult: Codable, Sendable, Hashable {
        let dagId: String
        let mode: AssetTriggerMode
        /// Per run, the assets of the events it consumed, after clicks, clicks, views.
        let runs: [[String]]
        let stillQueued: [String]
        /// Per run, after one more views event.
        let runsAfterNextViews: [[String]]
        let stillQueuedAfterNextViews: [String]
        /// Every one of the four events was consumed by exactly one run or is still queued.
        let eachEventOnce: Bool
    }

    struct Outcome: Codable, Sendable {
        let updateOrder: [String]
        let andSteps: [Step]
        let reconcileTriggeredBy: [String]
        let partial: [PartialStep]
        let modes: [ModeResult]
        /// Group name → URIs of its declared assets.
        let groups: [String: [String]]
        let salesGroupCondition: String
        let salesRollupRunsBeforeLastSalesAsset: Int
        let salesRollupRuns: Int
        /// URIs of the events sales_rollup's run consumed.
        let salesRollupConsumed: [String]
    }

    static func names(_ events: [AssetEvent]) -> [String] { events.map(\.asset.name) }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let lake = try Lake()
        let pipeline = try Pipeline(lake)
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: pipeline.producers + pipeline.consumers, assets: lake.all)
        try await orchestrator.requireFreshStore()
        let scheduler = orchestrator.scheduler
        var generator = SeededGenerator(seed: configuration.seed)
        let order = pipeline.producers.shuffled(using: &generator)

        let outcome = try await orchestrator.withServices {
            let steps = try await allMustUpdate(order, scheduler: scheduler, timeline: timeline)
            let reconcileRun = try await scheduler.waitForFinishedRuns(of: "reconcile", count: 1)
            let partial = try await partialPattern(lake, scheduler: scheduler, timeline: timeline)
            let modes = try await triggeringModes(lake, pipeline, scheduler: scheduler, timeline: timeline)

            // Grouping: orders and returns were updated above; refunds now, invoices last.
            let rollup = pipeline.salesRollup
            timeline.note(
                "group sales = \(members(of: "sales", in: lake.all).map(\.name).joined(separator: ", ")) "
                    + "(fx_rates is in group \(lake.fxRates.group)) → sales_rollup scheduled on "
                    + (rollup.schedule.condition?.description ?? "nothing"))
            try await scheduler.recordAssetEvent(lake.refunds.key, source: .api(messageId: nil))
            let afterRefunds = try await scheduler.queueSnapshot(of: rollup.dagId)
            let rollupBefore = try await scheduler.runs(of: rollup.dagId).count
            try await scheduler.recordAssetEvent(lake.invoices.key, source: .api(messageId: nil))
            let rollupRuns = try await scheduler.runs(of: rollup.dagId)
            let rollupConsumed = rollupRuns.first?.triggeringAssetEvents ?? []
            timeline.note(
                "refunds → sales_rollup runs \(rollupBefore) (queued: "
                    + "\(afterRefunds.queued.map(\.asset).joined(separator: ", "))); invoices → runs \(rollupRuns.count), "
                    + "consuming \(names(rollupConsumed).joined(separator: ", "))")

            // Let every created run finish before the services stop.
            try await scheduler.waitUntilRunsFinished(pipeline.consumers.map(\.dagId))
            let groups = Dictionary(grouping: lake.all, by: \.group).mapValues { $0.map(\.uri).sorted() }
            return Outcome(
                updateOrder: order.flatMap { $0.outlets.map(\.uri) }, andSteps: steps,
                reconcileTriggeredBy: reconcileRun.first?.triggeringAssetEvents.map(\.asset.uri) ?? [],
                partial: partial, modes: modes, groups: groups,
                salesGroupCondition: rollup.schedule.condition?.description ?? "",
                salesRollupRunsBeforeLastSalesAsset: rollupBefore, salesRollupRuns: rollupRuns.count,
                salesRollupConsumed: rollupConsumed.map(\.asset.uri))
        }
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// AND, all must update: the three producers in a seeded random order; after each, what reconcile has seen
    /// and still awaits.
    static func allMustUpdate(_ order: [DAG], scheduler: Scheduler, timeline: Timeline) async throws -> [Step] {
        var steps: [Step] = []
        for producer in order {
            let ledger = try await RunLedger(scheduler, dags: ["reconcile"])
            let ref = try await scheduler.triggerRun(producer.dagId)
            let run = try await scheduler.waitForFinishedRuns(of: producer.dagId, count: 1)
            guard run.contains(where: { $0.runId == ref.runId }),
                let event = try await scheduler.allAssetEvents().last(where: {
                    if case .task(_, let run, _) = $0.source { run == ref.runId } else { false }
                })
            else { throw ScenarioError.noEventFrom(dagId: producer.dagId) }
            // What reconcile had seen: its queue, plus what a run created by this update consumed from it.
            let consumedNow = try await ledger.consumedEvents(of: "reconcile")
            let queue = try await scheduler.queueSnapshot(of: "reconcile")
            let seen = Set(
                try await scheduler.queuedEvents(for: "reconcile").map(\.asset.uri) + consumedNow.map(\.asset.uri))
            let missing = consumedNow.isEmpty ? queue.awaiting : []
            let reconcileRuns = try await scheduler.runs(of: "reconcile").count
            let earlyRuns = try await scheduler.runs(of: "early_report").count
            steps.append(
                Step(
                    updated: event.asset.uri, eventId: event.id, seenByReconcile: seen.sorted(),
                    stillMissing: missing, reconcileRuns: reconcileRuns, earlyReportRuns: earlyRuns))
            timeline.note(
                "\(producer.dagId) → event #\(event.id) \(event.asset.name): reconcile runs \(reconcileRuns)"
                    + (missing.isEmpty
                        ? " (consumed \(names(consumedNow).joined(separator: ", ")))"
                        : ", still waiting on \(missing.joined(separator: ", "))")
                    + "; early_report runs \(earlyRuns)", at: event.timestamp)
        }
        return steps
    }

    /// Partial: `(orders & returns) | manual_override` on an incomplete branch, then the override.
    static func partialPattern(_ lake: Lake, scheduler: Scheduler, timeline: Timeline) async throws -> [PartialStep] {
        var partial: [PartialStep] = []
        let condition = try await scheduler.dag("early_report").schedule.condition?.description ?? ""
        for (target, extra) in [
            (lake.orders, ["batch": 2] as [String: JSONValue]),
            (lake.manualOverride, ["reason": "month-end close"]),
        ] {
            let ledger = try await RunLedger(scheduler, dags: ["early_report"])
            let recorded = try await scheduler.recordAssetEvent(target.key, extra: extra, source: .api(messageId: nil))
            let consumed = names(try await ledger.consumedEvents(of: "early_report"))
            let runs = try await scheduler.runs(of: "early_report").count
            let missing = consumed.isEmpty ? try await scheduler.queueSnapshot(of: "early_report").awaiting : []
            partial.append(
                PartialStep(
                    stimulus: target.uri, eventId: recorded.event.id, earlyReportRuns: runs,
                    stillMissing: missing, consumed: consumed))
            timeline.note(
                "event #\(recorded.event.id) \(target.name) alone → early_report on \(condition): runs \(runs)"
                    + (consumed.isEmpty
                        ? ", waiting on \(missing.joined(separator: " or "))"
                        : " (consumed \(consumed.joined(separator: ", ")))"),
                at: recorded.event.timestamp)
        }
        return partial
    }

    /// Batched vs per-event on clicks, clicks, views, then one more views.
    static func triggeringModes(
        _ lake: Lake, _ pipeline: Pipeline, scheduler: Scheduler,
        timeline: Timeline
    ) async throws -> [ModeResult] {
        struct State { var runs: [[String]]; var queued: [String]; var ids: [Int64] }
        let dags = [pipeline.webBatched, pipeline.webPerEvent]
        func state(of dag: DAG) async throws -> State {
            let runs = try await scheduler.runs(of: dag.dagId).map(\.triggeringAssetEvents)
            let queued = try await scheduler.queuedEvents(for: dag.dagId)
            return State(
                runs: runs.map(names), queued: names(queued), ids: runs.flatMap { $0.map(\.id) } + queued.map(\.id))
        }
        var sent: [Int64] = []
        for (target, n) in [(lake.clicks, 1), (lake.clicks, 2), (lake.views, 1)] {
            sent.append(
                try await scheduler.recordAssetEvent(
                    target.key, extra: ["n": .number(Double(n))],
                    source: .api(messageId: nil)
                ).event.id)
        }
        var afterThree: [State] = []
        for dag in dags { afterThree.append(try await state(of: dag)) }
        sent.append(
            try await scheduler.recordAssetEvent(lake.views.key, extra: ["n": 2], source: .api(messageId: nil)).event.id
        )
        var results: [ModeResult] = []
        for (dag, three) in zip(dags, afterThree) {
            let four = try await state(of: dag)
            results.append(
                ModeResult(
                    dagId: dag.dagId, mode: dag.assetTriggering, runs: three.runs,
                    stillQueued: three.queued, runsAfterNextViews: four.runs,
                    stillQueuedAfterNextViews: four.queued, eachEventOnce: four.ids.sorted() == sent.sorted()))
            let render = { (state: State) in
                "\(state.runs.count) run(s) "
                    + state.runs.map { "[\($0.joined(separator: ", "))]" }.joined(separator: " ")
                    + ", queued [\(state.queued.joined(separator: ", "))]"
            }
            timeline.note(
                "\(dag.dagId) (\(dag.assetTriggering.rawValue)) after clicks, clicks, views: \(render(three)); "
                    + "after one more views: \(render(four))")
        }
        return results
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let steps = outcome.andSteps
        let noEarlyRun = steps.dropLast().allSatisfy { $0.reconcileRuns == 0 }
        let render = { (runs: [[String]], queued: [String]) in
            "\(runs.count) run(s) of " + runs.map { "\($0.count)" }.joined(separator: "+") + " event(s), "
                + (queued.isEmpty ? "nothing queued" : "queued \(queued.joined(separator: ", "))")
        }
        let override = outcome.partial.last
        return [
            "reconcile (orders & returns & fx_rates), updates in order "
                + steps.map { $0.updated.split(separator: "/").last.map(String.init) ?? $0.updated }.joined(
                    separator: ", ")
                + ": runs after each " + steps.map { String($0.reconcileRuns) }.joined(separator: ", ")
                + "; no run before the last update: \(noEarlyRun); the run consumed \(outcome.reconcileTriggeredBy.count) events",
            "partial (orders & returns) | manual_override: orders alone made "
                + "\((outcome.partial.first?.consumed.isEmpty ?? false) ? "no run" : "a run")"
                + "; the override made a run consuming \(override?.consumed.joined(separator: " + ") ?? "nothing")",
            outcome.modes.map {
                "\($0.mode.rawValue): \(render($0.runs, $0.stillQueued)); after one more views "
                    + "\(render($0.runsAfterNextViews, $0.stillQueuedAfterNextViews))"
            }.joined(separator: "; ")
                + "; each event consumed once or still queued: \(outcome.modes.allSatisfy(\.eachEventOnce))",
            "group sales (\(outcome.groups["sales"]?.count ?? 0) assets): sales_rollup runs "
                + "\(outcome.salesRollupRunsBeforeLastSalesAsset) before the last sales asset, \(outcome.salesRollupRuns) after, "
                + "consuming \(outcome.salesRollupConsumed.count) events, of assets outside the group: "
                + "\(outcome.salesRollupConsumed.filter { !(outcome.groups["sales"] ?? []).contains($0) }.count)",
        ]
    }
}
