import Eventide
import EventideCLI
import Foundation

/// 95.1.3 — a DAG that needs several assets: `a & b & c` runs once all three are updated, whatever the order;
/// `(a & b) | m` runs on a partial set; `.batched` and `.perEvent` decide how queued events become runs; the
/// assets of a group can be the schedule.
enum MultiAssetDependencies {
    static let item = "95.1.3"
    static let title = "Multi-Asset Dependencies"

    struct Configuration: Sendable {
        /// Seeds the order in which the three producers run.
        var seed: UInt64 = 7
    }

    /// The state right after one producer updated its asset.
    struct Step: Codable, Sendable, Hashable {
        let updated: String
        let eventId: Int64
        /// Assets `reconcile` had events of, read from the store: queued for it, or consumed by a run this
        /// update created.
        let seenByReconcile: [String]
        /// What `reconcile`'s condition still awaited (`AssetCondition.missing` over `seenByReconcile`).
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

    static func assets() throws -> [String: Asset] {
        [
            "orders": try Asset(uri: "s3://lake/sales/orders", name: "orders", group: "sales"),
            "returns": try Asset(uri: "s3://lake/sales/returns", name: "returns", group: "sales"),
            "refunds": try Asset(uri: "s3://lake/sales/refunds", name: "refunds", group: "sales"),
            "invoices": try Asset(uri: "s3://lake/sales/invoices", name: "invoices", group: "sales"),
            "fx_rates": try Asset(uri: "s3://lake/finance/fx_rates", name: "fx_rates", group: "finance"),
            "manual_override": try Asset(uri: "s3://lake/ops/manual_override", name: "manual_override", group: "ops"),
            "clicks": try Asset(uri: "s3://lake/web/clicks", name: "clicks", group: "web"),
            "views": try Asset(uri: "s3://lake/web/views", name: "views", group: "web"),
        ]
    }

    /// Every declared asset of `group`, in URI order: a schedule built from the group, not a hand-kept list.
    static func members(of group: String, in declared: some Collection<Asset>) -> [Asset] {
        declared.filter { $0.group == group }.sorted { $0.uri < $1.uri }
    }

    static func noop(_ dagId: String, _ schedule: Schedule, mode: AssetTriggerMode = .batched) throws -> DAG {
        try DAG(dagId, schedule: schedule, assetTriggering: mode, tasks: [TaskDefinition("consume") { _ in .none }])
    }

    static func names(_ events: [AssetEvent]) -> [String] { events.map(\.asset.name) }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let asset = try assets()
        let (orders, returns, fx) = (asset["orders"]!, asset["returns"]!, asset["fx_rates"]!)
        let (manual, clicks, views) = (asset["manual_override"]!, asset["clicks"]!, asset["views"]!)
        let (refunds, invoices) = (asset["refunds"]!, asset["invoices"]!)
        let declared = Array(asset.values)
        let groups = Dictionary(grouping: declared, by: \.group).mapValues { $0.map(\.uri).sorted() }
        let salesGroup = members(of: "sales", in: declared)

        let producers = try [orders, returns, fx].map { target in
            try DAG("produce_\(target.name)", tasks: [
                TaskDefinition("publish", outlets: [target]) { _ in TaskOutput(outletExtra: [target.key: ["ok": true]]) }])
        }
        let reconcile = try noop("reconcile", .on(orders & returns & fx))
        let early = try noop("early_report", .on((orders & returns) | manual))
        let batched = try noop("web_batched", .on(clicks & views), mode: .batched)
        let perEvent = try noop("web_per_event", .on(clicks & views), mode: .perEvent)
        let rollup = try noop("sales_rollup", .on(salesGroup))
        let consumers = [reconcile, early, batched, perEvent, rollup]
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: producers + consumers, assets: declared)
        try await orchestrator.requireFreshStore()
        let scheduler = orchestrator.scheduler
        let reconcileCondition = reconcile.schedule.condition!, earlyCondition = early.schedule.condition!

        var generator = SeededGenerator(seed: configuration.seed)
        let order = producers.shuffled(using: &generator)
        let outcome = try await orchestrator.withServices {
            // AND, all must update: the three producers in a seeded random order.
            var steps: [Step] = []
            for producer in order {
                let reconcileBefore = try await scheduler.runs(of: "reconcile").count
                let ref = try await scheduler.triggerRun(producer.dagId)
                _ = try await scheduler.waitForFinishedRuns(of: producer.dagId, count: 1)
                guard let event = try await scheduler.allAssetEvents().last(where: {
                    if case .task(_, let run, _) = $0.source { run == ref.runId } else { false }
                }) else { throw ExampleError("\(producer.dagId) emitted no asset event") }
                // What reconcile had seen: its queue, plus what a run created by this update consumed from it.
                let runs = try await scheduler.runs(of: "reconcile")
                let consumedNow = runs.dropFirst(reconcileBefore).flatMap(\.triggeringAssetEvents)
                let queued = try await scheduler.queuedEvents(for: "reconcile")
                let seen = Set((queued + consumedNow).map(\.asset))
                let missing = reconcileCondition.missing(updated: seen).map(\.description)
                let earlyRuns = try await scheduler.runs(of: "early_report").count
                steps.append(Step(updated: event.asset.uri, eventId: event.id,
                                  seenByReconcile: seen.sorted().map(\.uri), stillMissing: missing,
                                  reconcileRuns: runs.count, earlyReportRuns: earlyRuns))
                timeline.note("\(producer.dagId) → event #\(event.id) \(event.asset.name): reconcile runs \(runs.count)"
                    + (missing.isEmpty ? " (consumed \(names(consumedNow).joined(separator: ", ")))"
                       : ", still waiting on \(missing.joined(separator: ", "))")
                    + "; early_report runs \(earlyRuns)")
            }
            let reconcileRun = try await scheduler.waitForFinishedRuns(of: "reconcile", count: 1).first!

            // Partial: (orders & returns) | manual_override on an incomplete branch, then the override.
            var partial: [PartialStep] = []
            for (target, extra) in [(orders, ["batch": 2] as [String: JSONValue]), (manual, ["reason": "month-end close"])] {
                let before = try await scheduler.runs(of: "early_report").count
                let recorded = try await scheduler.recordAssetEvent(target.key, extra: extra, source: .api(messageId: nil))
                let runs = try await scheduler.runs(of: "early_report")
                let consumed = names(runs.dropFirst(before).flatMap(\.triggeringAssetEvents))
                let queued = try await scheduler.queuedEvents(for: "early_report")
                let missing = consumed.isEmpty
                    ? earlyCondition.missing(updated: Set(queued.map(\.asset))).map(\.description) : []
                partial.append(PartialStep(stimulus: target.uri, eventId: recorded.event.id,
                                           earlyReportRuns: runs.count, stillMissing: missing, consumed: consumed))
                timeline.note("event #\(recorded.event.id) \(target.name) alone → early_report on \(earlyCondition): "
                    + "runs \(runs.count)" + (consumed.isEmpty ? ", waiting on \(missing.joined(separator: " or "))"
                                               : " (consumed \(consumed.joined(separator: ", ")))"))
            }

            // Batched vs per-event on clicks, clicks, views, then one more views.
            typealias Snapshot = (runs: [[String]], queued: [String], ids: [Int64])
            func snapshot() async throws -> [String: Snapshot] {
                var result: [String: Snapshot] = [:]
                for dag in [batched, perEvent] {
                    let runs = try await scheduler.runs(of: dag.dagId).map(\.triggeringAssetEvents)
                    let queued = try await scheduler.queuedEvents(for: dag.dagId)
                    result[dag.dagId] = (runs.map(names), names(queued), runs.flatMap { $0.map(\.id) } + queued.map(\.id))
                }
                return result
            }
            var webEvents: [Int64] = []
            for (target, n) in [(clicks, 1), (clicks, 2), (views, 1)] {
                webEvents.append(try await scheduler.recordAssetEvent(target.key, extra: ["n": .number(Double(n))],
                                                                      source: .api(messageId: nil)).event.id)
            }
            let afterThree = try await snapshot()
            webEvents.append(try await scheduler.recordAssetEvent(views.key, extra: ["n": 2], source: .api(messageId: nil)).event.id)
            let afterFour = try await snapshot()
            var modes: [ModeResult] = []
            for dag in [batched, perEvent] {
                let (three, four) = (afterThree[dag.dagId]!, afterFour[dag.dagId]!)
                modes.append(ModeResult(dagId: dag.dagId, mode: dag.assetTriggering, runs: three.runs,
                                        stillQueued: three.queued, runsAfterNextViews: four.runs,
                                        stillQueuedAfterNextViews: four.queued,
                                        eachEventOnce: four.ids.sorted() == webEvents.sorted()))
                let render = { (state: Snapshot) in
                    "\(state.runs.count) run(s) " + state.runs.map { "[\($0.joined(separator: ", "))]" }.joined(separator: " ")
                        + ", queued [\(state.queued.joined(separator: ", "))]"
                }
                timeline.note("\(dag.dagId) (\(dag.assetTriggering.rawValue)) after clicks, clicks, views: \(render(three)); "
                    + "after one more views: \(render(four))")
            }

            // Grouping: orders and returns were updated above; refunds now, invoices last.
            timeline.note("group sales = \(salesGroup.map(\.name).joined(separator: ", ")) (fx_rates is in group \(fx.group)) "
                + "→ sales_rollup scheduled on \(rollup.schedule.condition!.description)")
            try await scheduler.recordAssetEvent(refunds.key, source: .api(messageId: nil))
            let rollupBefore = try await scheduler.runs(of: "sales_rollup").count
            let rollupQueued = names(try await scheduler.queuedEvents(for: "sales_rollup"))
            try await scheduler.recordAssetEvent(invoices.key, source: .api(messageId: nil))
            let rollupRuns = try await scheduler.runs(of: "sales_rollup")
            let rollupConsumed = rollupRuns.first?.triggeringAssetEvents ?? []
            timeline.note("refunds → sales_rollup runs \(rollupBefore) (queued: \(rollupQueued.joined(separator: ", "))); "
                + "invoices → runs \(rollupRuns.count), consuming \(names(rollupConsumed).joined(separator: ", "))")

            // Let every created run finish before the services stop.
            for dag in consumers {
                _ = try await scheduler.waitForFinishedRuns(of: dag.dagId, count: try await scheduler.runs(of: dag.dagId).count)
            }
            return Outcome(updateOrder: order.map { $0.outlets[0].uri }, andSteps: steps,
                           reconcileTriggeredBy: reconcileRun.triggeringAssetEvents.map(\.asset.uri), partial: partial,
                           modes: modes, groups: groups, salesGroupCondition: rollup.schedule.condition!.description,
                           salesRollupRunsBeforeLastSalesAsset: rollupBefore, salesRollupRuns: rollupRuns.count,
                           salesRollupConsumed: rollupConsumed.map(\.asset.uri))
        }
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
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
                + steps.map { $0.updated.split(separator: "/").last.map(String.init) ?? $0.updated }.joined(separator: ", ")
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
