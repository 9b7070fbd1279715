import Eventide
import EventideCLI
import Foundation

/// 95.1.3 — a DAG that needs several assets: `a & b & c` runs once all three are updated; `(a & b) | m`
/// runs on a partial set; `.batched` and `.perEvent` decide how queued events become runs; a group of
/// assets can be the schedule.
enum MultiAssetDependencies {
    static let item = "95.1.3"
    static let title = "Multi-Asset Dependencies"

    struct Configuration: Sendable {
        var seed: UInt64 = 7
    }

    struct Step: Codable, Sendable, Hashable {
        let updated: String
        /// What the AND consumer still waited on after this update.
        let stillMissing: [String]
        let reconcileRuns: Int
    }

    struct ModeResult: Codable, Sendable, Hashable {
        let dagId: String
        let mode: AssetTriggerMode
        /// Per run, the assets of the events it consumed, in order.
        let runs: [[String]]
        let stillQueued: [String]
    }

    struct Outcome: Codable, Sendable {
        let updateOrder: [String]
        let andSteps: [Step]
        let reconcileTriggeredBy: [String]
        /// Partial pattern `(orders & returns) | manual_override`: runs after each stimulus.
        let partialRuns: [String: Int]
        let modes: [ModeResult]
        let salesGroupCondition: String
        let salesRollupRuns: Int
        let salesRollupRunsBeforeLastSalesAsset: Int
        let salesRollupConsumed: [String]
    }

    static func assets() throws -> [String: Asset] {
        [
            "orders": try Asset(uri: "s3://lake/sales/orders", group: "sales"),
            "returns": try Asset(uri: "s3://lake/sales/returns", group: "sales"),
            "fx_rates": try Asset(uri: "s3://lake/finance/fx_rates", group: "finance"),
            "manual_override": try Asset(uri: "s3://lake/ops/manual_override", group: "ops"),
            "clicks": try Asset(uri: "s3://lake/web/clicks", group: "web"),
            "views": try Asset(uri: "s3://lake/web/views", group: "web"),
            "refunds": try Asset(uri: "s3://lake/sales/refunds", group: "sales"),
            "invoices": try Asset(uri: "s3://lake/sales/invoices", group: "sales"),
        ]
    }

    static func noop(_ dagId: String, _ schedule: Schedule, mode: AssetTriggerMode = .batched) throws -> DAG {
        try DAG(dagId, schedule: schedule, assetTriggering: mode, tasks: [TaskDefinition("consume") { _ in .none }])
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let asset = try assets()
        let (orders, returns, fx) = (asset["orders"]!, asset["returns"]!, asset["fx_rates"]!)
        let (manual, clicks, views) = (asset["manual_override"]!, asset["clicks"]!, asset["views"]!)
        // Every declared asset of the group "sales": orders, returns (updated in part 1), refunds, invoices.
        let salesGroup = asset.values.filter { $0.group == "sales" }.sorted { $0.uri < $1.uri }

        let producers = try [orders, returns, fx].map { target in
            try DAG("produce_\(target.uri.split(separator: "/").last!)", tasks: [
                TaskDefinition("publish", outlets: [target]) { _ in TaskOutput(outletExtra: [target.key: ["ok": true]]) }])
        }
        let reconcile = try noop("reconcile", .on(orders & returns & fx))
        let early = try noop("early_report", .on((orders & returns) | manual))
        let batched = try noop("web_batched", .on(clicks & views), mode: .batched)
        let perEvent = try noop("web_per_event", .on(clicks & views), mode: .perEvent)
        let salesCondition = AssetCondition(schedule: salesGroup)
        let rollup = try noop("sales_rollup", .assets(salesCondition))
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: producers + [reconcile, early, batched, perEvent, rollup],
                                        assets: Array(asset.values))
        let scheduler = orchestrator.scheduler

        // 1. AND: the three producers in a seeded random order.
        var generator = SeededGenerator(seed: configuration.seed)
        let order = producers.shuffled(using: &generator)
        let steps = try await orchestrator.withServices {
            var steps: [Step] = []
            var updated: Set<AssetKey> = []
            for producer in order {
                try await scheduler.triggerRun(producer.dagId)
                _ = try await scheduler.waitForFinishedRuns(of: producer.dagId, count: 1)
                updated.insert(producer.outlets[0].key)
                let missing = reconcile.schedule.condition!.missing(updated: updated, aliases: [:]).map(\.description)
                let runs = try await scheduler.runs(of: "reconcile").count
                let written = producer.outlets[0].uri
                steps.append(Step(updated: written, stillMissing: missing, reconcileRuns: runs))
                timeline.note("\(producer.dagId) updated \(written) → reconcile runs: \(runs)"
                    + (missing.isEmpty ? "" : ", still waiting on \(missing.joined(separator: ", "))"))
            }
            _ = try await scheduler.waitForFinishedRuns(of: "reconcile", count: 1)
            return steps
        }
        let reconcileRun = try await scheduler.runs(of: "reconcile").first
        let triggeredBy = reconcileRun?.triggeringAssetEvents.map(\.asset.uri) ?? []

        // 2. Partial trigger: orders & returns already fired early_report once; manual_override alone fires it again.
        var partial: [String: Int] = ["after orders, returns, fx_rates": try await scheduler.runs(of: "early_report").count]
        timeline.note("early_report on (orders & returns) | manual_override: \(partial.values.first!) run(s) after part 1")
        try await scheduler.recordAssetEvent(manual.key, extra: ["reason": "backfill"], source: .api(messageId: nil))
        partial["after manual_override alone"] = try await scheduler.runs(of: "early_report").count
        timeline.note("manual_override alone → early_report runs: \(partial["after manual_override alone"]!)")

        // 3. Batched vs per-event on clicks, clicks, views.
        for (target, n) in [(clicks, 1), (clicks, 2), (views, 1)] {
            try await scheduler.recordAssetEvent(target.key, extra: ["n": .number(Double(n))], source: .api(messageId: nil))
        }
        var modes: [ModeResult] = []
        for dag in [batched, perEvent] {
            let runs = try await scheduler.runs(of: dag.dagId).map { $0.triggeringAssetEvents.map(\.asset.uri) }
            let queued = try await scheduler.queuedEvents(for: dag.dagId).map(\.asset.uri)
            modes.append(ModeResult(dagId: dag.dagId, mode: dag.assetTriggering, runs: runs, stillQueued: queued))
            timeline.note("\(dag.dagId) (\(dag.assetTriggering.rawValue)) after clicks, clicks, views: \(runs.count) run(s) "
                + runs.map { "[\($0.map { $0.split(separator: "/").last! }.joined(separator: ", "))]" }.joined(separator: " ")
                + ", queued: \(queued.count)")
        }

        // 4. Grouping: orders and returns were updated in part 1; refunds now, invoices last.
        let refunds = asset["refunds"]!, invoices = asset["invoices"]!
        try await scheduler.recordAssetEvent(refunds.key, source: .api(messageId: nil))
        let rollupBefore = try await scheduler.runs(of: "sales_rollup").count
        try await scheduler.recordAssetEvent(invoices.key, source: .api(messageId: nil))
        let rollupRuns = try await scheduler.runs(of: "sales_rollup").count
        let rollupEvents = try await scheduler.runs(of: "sales_rollup").first?.triggeringAssetEvents.map(\.asset.uri) ?? []
        timeline.note("sales_rollup on every asset of group sales (\(salesCondition)): \(rollupBefore) run(s) after "
            + "refunds, \(rollupRuns) after invoices, consuming \(rollupEvents.count) events")

        let outcome = Outcome(updateOrder: order.map { $0.outlets[0].uri }, andSteps: steps,
                              reconcileTriggeredBy: triggeredBy, partialRuns: partial, modes: modes,
                              salesGroupCondition: salesCondition.description, salesRollupRuns: rollupRuns,
                              salesRollupRunsBeforeLastSalesAsset: rollupBefore,
                              salesRollupConsumed: rollupEvents)
        let proved = [
            "reconcile (orders & returns & fx_rates): runs after each update "
                + steps.map { String($0.reconcileRuns) }.joined(separator: ", ") + "; its run consumed \(triggeredBy.count) events",
            "partial (orders & returns) | manual_override: manual_override alone added "
                + "\((partial["after manual_override alone"] ?? 0) - (partial["after orders, returns, fx_rates"] ?? 0)) run",
            modes.map { "\($0.mode.rawValue): \($0.runs.count) run(s) of \($0.runs.map(\.count)) events, \($0.stillQueued.count) queued" }
                .joined(separator: "; "),
            "group schedule: no run until every sales asset updated (\(rollupBefore) → \(rollupRuns))",
        ]
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved)
    }
}
