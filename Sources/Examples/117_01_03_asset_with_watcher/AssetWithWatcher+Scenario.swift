import Eventide
import EventideCLI
import Foundation

/// Drives `AssetWithWatcher.swift`: defines orders and audit (and a mismatched pair), parses the orders
/// consumer, parses again, drops files, then parses an audit consumer while the services run; records every
/// watcher status change as the triggerer publishes it.
extension AssetWithWatcher {
    static let item = "117.1.3"
    static let title = "Asset Definition with Watcher"

    struct Configuration: Sendable {
        var files = 2
        /// Stamps runs and events (and the watchers' file observations).
        var clock: EventideClock = .system
    }

    struct Outcome: Codable, Sendable {
        /// Asset name → URI.
        let assets: [String: String]
        /// What `mismatches` found in the example's definitions (nothing) and in a deliberately mismatched one.
        let mismatchesInDefinitions: [Mismatch]
        let mismatchesInTypo: [Mismatch]
        /// Watchers the triggerer knew after parsing only the orders consumer, after parsing the same assets
        /// again, and after parsing an audit consumer while running.
        let watchersAfterFirstParse: [String]
        let watchersAfterReparse: [String]
        let watchersAfterAuditConsumer: [String]
        /// Whether the triggerer had a status for audit_watcher when audit-1.csv was written.
        let auditWatcherRegisteredWhenFileWritten: Bool
        /// Each watcher's states in the order `statusUpdates()` published them (consecutive repeats folded).
        let transitions: [String: [WatcherStatus.State]]
        /// The same, as each watcher's `WatcherStatus.history` kept by the triggerer.
        let history: [String: [WatcherStatus.State]]
        let ordersEvents: Int
        let ordersRuns: Int
        /// The file named by each asset event of audit.
        let auditEventFiles: [String]
    }

    static let watcherNames: Set<String> = ["orders_watcher", "audit_watcher"]

    /// Notes each state change of the watchers as the triggerer publishes it, until every watcher of `names`
    /// has stopped or failed; returns each one's states in order, consecutive repeats folded.
    static func observeTransitions(
        _ updates: AsyncStream<WatcherStatus>, of names: Set<String>,
        timeline: Timeline
    ) async throws -> [String: [WatcherStatus.State]] {
        try await WaitDeadline.default.enforce(waitingFor: "watchers \(names.sorted()) to stop") {
            var states: [String: [WatcherStatus.State]] = [:]
            for await status in updates where states[status.name]?.last != status.state {
                states[status.name, default: []].append(status.state)
                // Watchers stop together at shutdown, in no fixed order: the stops are noted as one line when the
                // last one has stopped, every other change as it is published.
                if status.state != .stopped { timeline.note("\(status.name) \(status.state.rawValue)") }
                if names.allSatisfy({ [.stopped, .failed].contains(states[$0]?.last) }) {
                    let stopped = names.filter { states[$0]?.last == .stopped }.sorted()
                    if !stopped.isEmpty { timeline.note("\(stopped.joined(separator: " and ")) stopped") }
                    return states
                }
            }
            throw WaitError.ended(waitingFor: "the triggerer's status updates")
        }
    }

    /// Refuses a store an earlier run used (`ExampleError.storeNotEmpty`): its counts start from nothing, and a
    /// reused `--db` would mix two runs' asset events and runs.
    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        // Located (not emptied) first: a refused store keeps what an earlier run left beside it.
        let ordersFolder = try database.folder("orders", fresh: false)
        let auditFolder = try database.folder("audit", fresh: false)
        timeline.abbreviate(ordersFolder.deletingLastPathComponent(), as: "…")
        let orders = try watchedFolder(ordersFolder, name: "orders", clock: configuration.clock)
        let audit = try watchedFolder(auditFolder, name: "audit", clock: configuration.clock)
        let typo = try Asset(
            uri: ordersFolder.absoluteString, name: "orders_typo",
            watchers: [
                AssetWatcher(name: "typo_watcher", trigger: FileArrivalTrigger(directory: auditFolder))
            ])
        let found = mismatches(orders) + mismatches(audit), typoFound = mismatches(typo)
        timeline.note(
            "defined orders = \(orders.uri) and audit = \(audit.uri), each watching its folder: "
                + "\(found.count) mismatch(es)")
        timeline.note(
            "orders_typo: "
                + (typoFound.isEmpty ? "no mismatch found" : typoFound.map(\.description).joined(separator: "; ")))

        let orchestrator = Orchestrator(database: database, clock: configuration.clock)
        let triggerer = orchestrator.triggerer, scheduler = orchestrator.scheduler
        // Subscribed before anything is registered, so no status change is missed.
        async let observed = observeTransitions(triggerer.statusUpdates(), of: watcherNames, timeline: timeline)
        try await orchestrator.register(dags: [try loadOrders(orders)], assets: [orders, audit])
        try await orchestrator.requireFreshStore()
        for folder in ["orders", "audit"] { _ = try database.folder(folder) }  // emptied now that the store is fresh
        let afterFirst = await triggerer.statuses.map(\.name)
        timeline.note(
            "parsed load_orders (scheduled on orders): registered watchers: \(afterFirst.joined(separator: ", "))")
        try await orchestrator.register(dags: [], assets: [orders, audit])
        let afterReparse = await triggerer.statuses.map(\.name)
        timeline.note("parsed the same assets again: registered watchers: \(afterReparse.joined(separator: ", "))")

        let files = configuration.files
        let (ordersRuns, afterAudit, auditWatcherExisted) = try await orchestrator.withServices {
            _ = try await triggerer.waitFor(watcher: "orders_watcher", state: .running)
            for n in 1...max(1, files) {
                try Data("id\n\(n)\n".utf8).write(to: ordersFolder.appendingPathComponent("orders-\(n).csv"))
            }
            let ordersRuns = try await scheduler.waitForFinishedRuns(of: "load_orders", count: files)
            timeline.note("\(files) file(s) in orders/ → \(ordersRuns.count) run(s) of load_orders")
            try Data("id\n1\n".utf8).write(to: auditFolder.appendingPathComponent("audit-1.csv"))
            let existed = await triggerer.status(of: "audit_watcher") != nil
            timeline.note("audit-1.csv written into audit/; audit_watcher registered: \(existed)")
            try await orchestrator.register(dags: [try reviewAudit(audit)], assets: [audit])
            let review = try await scheduler.waitForFinishedRuns(of: "review_audit", count: 1)
            let names = await triggerer.statuses.map(\.name)
            timeline.note(
                "parsed review_audit (scheduled on audit) while running: registered watchers: "
                    + "\(names.joined(separator: ", ")); review_audit runs: \(review.count)")
            return (ordersRuns.count, names, existed)
        }

        // Every transition, from registration to the shutdown above, as noted when it was published.
        let transitions = try await observed
        let history = Dictionary(
            await triggerer.statuses.map { ($0.name, $0.history) }, uniquingKeysWith: { first, _ in first })
        let outcome = Outcome(
            assets: [orders.name: orders.uri, audit.name: audit.uri], mismatchesInDefinitions: found,
            mismatchesInTypo: typoFound, watchersAfterFirstParse: afterFirst, watchersAfterReparse: afterReparse,
            watchersAfterAuditConsumer: afterAudit, auditWatcherRegisteredWhenFileWritten: auditWatcherExisted,
            transitions: transitions, history: history,
            ordersEvents: try await scheduler.assetEvents(for: orders.key).count, ordersRuns: ordersRuns,
            auditEventFiles: try await scheduler.assetEvents(for: audit.key).compactMap {
                $0.extra["payload"]?["name"]?.stringValue
            })
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let list = { (names: [String]) in names.isEmpty ? "none" : names.joined(separator: ", ") }
        return [
            "mismatches between an asset's URI and its watcher's folder: \(outcome.mismatchesInDefinitions.count) in "
                + "orders and audit (one folder each), \(outcome.mismatchesInTypo.count) in orders_typo",
            "registered watchers: after parsing load_orders \(list(outcome.watchersAfterFirstParse)); after parsing "
                + "the same assets again \(list(outcome.watchersAfterReparse)); after parsing review_audit "
                + list(outcome.watchersAfterAuditConsumer),
            "lifecycle of orders_watcher: "
                + (outcome.transitions["orders_watcher"] ?? []).map(\.rawValue).joined(separator: " → ")
                + "; published updates and kept history agree: \(outcome.transitions == outcome.history)",
            "asset events: orders \(outcome.ordersEvents) (runs of load_orders: \(outcome.ordersRuns)); audit "
                + "\(list(outcome.auditEventFiles)), written while audit_watcher was "
                + (outcome.auditWatcherRegisteredWhenFileWritten ? "registered" : "not registered"),
        ]
    }
}
