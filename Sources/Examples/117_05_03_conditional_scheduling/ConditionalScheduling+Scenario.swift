import Eventide
import EventideCLI
import Foundation

/// Drives `ConditionalScheduling.swift` on a manual clock (every time below is the runtime's, the same on every run):
/// events for the nested condition, two partner files through the alias, then trades, prices and urgent refunds
/// around the 60 s ticks of `settle_trades` and `refund_report`. After each step it records the runs created and
/// what each DAG that did not fire still awaits.
extension ConditionalScheduling {
    static let item = "117.5.3"
    static let title = "Conditional Asset Scheduling"
    static let period = Duration.seconds(60)
    static let dagIds = [
        "consolidate_sales", "land_partner_file", "load_partner_files", "refund_report", "settle_trades",
    ]

    /// A run: its kind (`scheduled`: the timetable, `asset_triggered`: the condition) and the events it consumed.
    struct RunRecord: Codable, Sendable, Hashable {
        let dagId: String
        let runId: String
        let kind: DagRunType
        /// `asset#id`, in id order.
        let consumed: [String]
        /// Seconds on the clock when the run was created.
        let at: Double
    }

    /// A DAG that did not fire at a moment, with its queue and what its condition still awaits.
    struct Waiting: Codable, Sendable, Hashable {
        let at: Double
        let dagId: String
        let queued: [String]
        /// The condition's unsatisfied parts (`eu_sales | us_sales` for an `any` still open); empty when the
        /// condition holds and only the timetable's tick is missing.
        let awaiting: [String]
    }

    /// An event emitted through an alias and the asset the alias resolved to.
    struct AliasResolution: Codable, Sendable, Hashable {
        let alias: String
        let eventId: Int64
        let asset: String
        let uri: String
    }

    struct Outcome: Codable, Sendable {
        let runs: [RunRecord]
        let waits: [Waiting]
        let aliasResolutions: [AliasResolution]
        /// The file URIs `load_partner_files` read from its triggering events, run by run.
        let loaded: [[String]]
    }

    /// What the scenario does at a moment.
    enum Step {
        case event(Asset)
        case landPartnerFile(String)
        case checkWaiting([String])
        /// Waits until `dagId` has finished this many runs (a tick's run is created after the tick).
        case awaitRuns(String, Int)
    }

    /// The script, in seconds on the clock: nested, alias, then AND and override around the ticks at 60 and 120 s.
    static func script(_ assets: Assets) -> [(Int, Step)] {
        [
            (0, .checkWaiting(["load_partner_files"])),
            (1, .event(assets.euSales)), (1, .checkWaiting(["consolidate_sales"])),
            (2, .event(assets.fxRates)),
            (3, .event(assets.usSales)), (4, .event(assets.fxRates)),
            (5, .event(assets.fxRates)), (5, .checkWaiting(["consolidate_sales"])),
            (6, .landPartnerFile("acme")), (7, .landPartnerFile("globex")),
            (10, .event(assets.trades)), (20, .event(assets.prices)), (20, .checkWaiting(["settle_trades"])),
            (30, .event(assets.urgentRefunds)),
            (60, .awaitRuns("settle_trades", 1)),
            (90, .event(assets.trades)),
            (120, .checkWaiting(["settle_trades"])),
            (130, .event(assets.prices)),
        ]
    }

    static func run(database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let clock = ManualClock(
            epoch: Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.up) / 1000))
        let assets = try Assets()
        let orchestrator = Orchestrator(database: database, clock: EventideClock(clock))
        try await orchestrator.register(
            dags: [
                try consolidate(assets), try landPartnerFile(assets), try loadPartnerFiles(assets),
                try refundReport(assets, every: period), try settleTrades(assets, every: period),
            ], assets: assets.all)
        try await orchestrator.requireFreshStore()
        let scheduler = orchestrator.scheduler
        // The store keeps milliseconds.
        let seconds = { (date: Date) in (date.timeIntervalSince(clock.epoch) * 1000).rounded() / 1000 + 0 }
        let waits = try await orchestrator.withServices {
            var waits: [Waiting] = [], now = 0, landed = 0
            for (at, step) in script(assets) {
                if at > now {
                    try await clock.waitForSleepers(2)  // the timetables of settle_trades and refund_report
                    await clock.advance(by: .seconds(at - now))
                    now = at
                }
                switch step {
                case .event(let asset):
                    let recorded = try await scheduler.recordAssetEvent(asset.key, source: .api(messageId: nil))
                    timeline.note(
                        "\(asset.name)#\(recorded.event.id) → runs created: "
                            + (recorded.createdRuns.map(\.dagId).joined(separator: ", ").nonEmpty ?? "none"),
                        at: recorded.event.timestamp)
                case .landPartnerFile(let partner):
                    try await scheduler.triggerRun("land_partner_file", conf: ["partner": .string(partner)])
                    landed += 1
                    _ = try await scheduler.waitForFinishedRuns(of: "land_partner_file", count: landed)
                    _ = try await scheduler.waitForFinishedRuns(of: "load_partner_files", count: landed)
                case .awaitRuns(let dagId, let count):
                    _ = try await scheduler.waitForFinishedRuns(of: dagId, count: count)
                case .checkWaiting(let dagIds):
                    for dagId in dagIds {
                        let wait = try await waiting(dagId, at: Double(at), scheduler: scheduler)
                        waits.append(wait)
                        let awaiting =
                            wait.awaiting.isEmpty ? "nothing but the tick" : wait.awaiting.joined(separator: "; ")
                        timeline.note(
                            "\(dagId) does not fire: queued [\(wait.queued.joined(separator: ", "))], awaits \(awaiting)",
                            at: clock.epoch.addingTimeInterval(Double(at)))
                    }
                }
            }
            _ = try await scheduler.waitForFinishedRuns(of: "consolidate_sales", count: 2)
            _ = try await scheduler.waitForFinishedRuns(of: "settle_trades", count: 2)
            _ = try await scheduler.waitForFinishedRuns(of: "refund_report", count: 3)
            return waits
        }
        var runs: [RunRecord] = []
        for dagId in dagIds where dagId != "land_partner_file" {
            for run in try await scheduler.runs(of: dagId) {
                let events = run.triggeringAssetEvents.sorted { $0.id < $1.id }
                runs.append(
                    RunRecord(
                        dagId: dagId, runId: run.runId, kind: run.runType,
                        consumed: events.map { "\($0.asset.name)#\($0.id)" }, at: seconds(run.queuedAt)))
            }
        }
        runs.sort { ($0.at, $0.dagId) < ($1.at, $1.dagId) }
        for run in runs {
            timeline.note(
                "\(run.dagId): \(run.kind.rawValue) run consumed [\(run.consumed.joined(separator: ", "))]",
                at: clock.epoch.addingTimeInterval(run.at))
        }
        let loads = try await scheduler.runs(of: "load_partner_files").sorted { $0.queuedAt < $1.queuedAt }
        let resolutions = loads.flatMap(\.triggeringAssetEvents).map { event in
            AliasResolution(
                alias: assets.partnerFiles.name, eventId: event.id, asset: event.asset.name, uri: event.asset.uri)
        }
        let loaded = loads.map { run in
            (run.task("load")?.returnValue?.arrayValue ?? []).compactMap(\.stringValue)
        }
        let outcome = Outcome(runs: runs, waits: waits, aliasResolutions: resolutions, loaded: loaded)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// What `dagId` holds and still awaits: the unsatisfied parts of its condition given its queued events.
    static func waiting(_ dagId: String, at: Double, scheduler: Scheduler) async throws -> Waiting {
        let queued = try await scheduler.queuedEvents(for: dagId)
        let condition = try await scheduler.dag(dagId).schedule.condition
        let updated = Set(queued.map(\.asset))
        var awaiting: [String] = []
        if let condition, !condition.evaluate(updated: updated) {
            if case .all(let parts) = condition {
                awaiting = parts.filter { !$0.evaluate(updated: updated) }.map(\.description)
            } else {
                awaiting = [condition.description]
            }
        }
        return Waiting(
            at: at, dagId: dagId, queued: queued.map { "\($0.asset.name)#\($0.id)" }, awaiting: awaiting)
    }

    static func proved(_ outcome: Outcome) -> [String] {
        func runs(_ dagId: String) -> String {
            outcome.runs.filter { $0.dagId == dagId }.map {
                "\($0.kind.rawValue) at \(Int($0.at)) s [\($0.consumed.joined(separator: ", "))]"
            }.joined(separator: "; ")
        }
        return [
            "settle_trades (trades & prices AND a 60 s tick): " + runs("settle_trades"),
            "load_partner_files (alias:partner_files): "
                + outcome.aliasResolutions.map { "#\($0.eventId) → \($0.asset)" }.joined(separator: ", "),
            "consolidate_sales ((eu_sales | us_sales) & fx_rates): " + runs("consolidate_sales"),
            "refund_report (60 s timetable OR urgent_refunds): " + runs("refund_report"),
        ]
    }
}

extension String {
    /// `nil` when empty.
    var nonEmpty: String? { isEmpty ? nil : self }
}
