import Eventide
import EventideCLI
import Foundation

/// 117.1.3 — an asset and its watcher are defined together, from one location, and the watcher's life follows
/// the DAGs that use the asset: registered when a DAG scheduled on it is parsed, stopped with the triggerer.
enum AssetWithWatcher {
    static let item = "117.1.3"
    static let title = "Asset Definition with Watcher"

    struct Configuration: Sendable {
        var files = 2
    }

    struct Outcome: Codable, Sendable {
        let assets: [String: String]
        /// Problems found by `consistencyProblems` in the example's definitions (none) and in a deliberately
        /// mismatched one.
        let problemsInDefinitions: [String]
        let problemsInMismatched: [String]
        /// Watchers the triggerer knew after parsing only the orders consumer.
        let watchersAfterFirstParse: [String]
        let watchersAfterReparse: [String]
        let watchersAfterAuditConsumer: [String]
        /// Each watcher's states in the order `statusUpdates()` published them (consecutive repeats folded).
        let transitions: [String: [WatcherStatus.State]]
        /// The same, as each watcher's `WatcherStatus.history` kept by the triggerer.
        let history: [String: [WatcherStatus.State]]
        let ordersEvents: Int
        let auditEvents: Int
    }

    /// An asset whose URI and watcher come from the same folder, so they cannot drift apart.
    static func watchedFolder(_ folder: URL, name: String) throws -> Asset {
        try Asset(uri: folder.absoluteString, name: name, watchers: [
            AssetWatcher(name: "\(name)_watcher", trigger: FileArrivalTrigger(directory: folder, suffixes: [".csv"]))])
    }

    /// Checks that each file watcher of the asset watches the folder its URI names.
    static func consistencyProblems(_ asset: Asset) -> [String] {
        asset.watchers.compactMap { watcher in
            guard let files = watcher.trigger as? FileArrivalTrigger else { return nil }
            let uriPath = URL(string: asset.uri)?.standardizedFileURL.path ?? asset.uri
            let watched = files.directory.standardizedFileURL.path
            return uriPath == watched ? nil
                : "\(watcher.name) watches \(watched) but asset \(asset.name) is \(asset.uri)"
        }
    }

    /// Reads the status updates published so far: each watcher's states in order, consecutive repeats folded.
    /// Stops once every watcher's latest status (`final`) has been read: everything before it was published
    /// earlier and is buffered in the stream, so this does not wait for anything new.
    static func observedTransitions(_ updates: AsyncStream<WatcherStatus>,
                                    until final: [WatcherStatus]) async -> [String: [WatcherStatus.State]] {
        var pending = Dictionary(uniqueKeysWithValues: final.map { ($0.name, $0) })
        var states: [String: [WatcherStatus.State]] = [:]
        for await status in updates {
            if states[status.name]?.last != status.state { states[status.name, default: []].append(status.state) }
            if pending[status.name] == status { pending[status.name] = nil }
            if pending.isEmpty { break }
        }
        return states
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let ordersFolder = try database.folder("orders"), auditFolder = try database.folder("audit")
        timeline.abbreviate(ordersFolder.deletingLastPathComponent(), as: "…")
        let orders = try watchedFolder(ordersFolder, name: "orders")
        let audit = try watchedFolder(auditFolder, name: "audit")
        let mismatched = try Asset(uri: ordersFolder.absoluteString, name: "orders_typo", watchers: [
            AssetWatcher(name: "typo_watcher", trigger: FileArrivalTrigger(directory: auditFolder))])
        let problems = consistencyProblems(orders) + consistencyProblems(audit)
        let mismatchProblems = consistencyProblems(mismatched)
        timeline.note("defined \(orders.name) = \(orders.uri) with \(orders.watchers[0].name); \(audit.name) likewise; "
            + "consistency problems: \(problems.count)")
        timeline.note("a mismatched definition is caught: \(mismatchProblems.joined())")

        let orchestrator = Orchestrator(database: database)
        let triggerer = orchestrator.triggerer, scheduler = orchestrator.scheduler
        // Subscribed before anything is registered, so no status change is missed (the stream buffers them).
        let updates = triggerer.statusUpdates()
        let loadOrders = try DAG("load_orders", schedule: .on([orders]), assetTriggering: .perEvent,
                                 tasks: [TaskDefinition("load") { _ in .none }])
        try await orchestrator.register(dags: [loadOrders], assets: [orders, audit])
        let afterFirst = await triggerer.statuses.map(\.name)
        timeline.note("parsed load_orders (scheduled on orders): watchers registered: \(afterFirst.joined(separator: ", "))")
        try await orchestrator.register(dags: [], assets: [orders, audit])
        let afterReparse = await triggerer.statuses.map(\.name)
        timeline.note("parsed the same assets again: watchers registered: \(afterReparse.joined(separator: ", "))")

        let afterAudit = try await orchestrator.withServices {
            _ = try await triggerer.waitFor(watcher: "orders_watcher", state: .running)
            for n in 1...configuration.files {
                try Data("id\n\(n)\n".utf8).write(to: ordersFolder.appendingPathComponent("orders-\(n).csv"))
            }
            let ordersRuns = try await scheduler.waitForFinishedRuns(of: "load_orders", count: configuration.files)
            timeline.note("\(configuration.files) file(s) in orders/ → \(ordersRuns.count) run(s) of load_orders")
            try Data("id\n1\n".utf8).write(to: auditFolder.appendingPathComponent("audit-1.csv"))
            let auditConsumer = try DAG("review_audit", schedule: .on([audit]), tasks: [TaskDefinition("review") { _ in .none }])
            try await orchestrator.register(dags: [auditConsumer], assets: [audit])
            _ = try await scheduler.waitForFinishedRuns(of: "review_audit", count: 1)
            let names = await triggerer.statuses.map(\.name)
            timeline.note("parsed review_audit (scheduled on audit) while running: watchers: \(names.joined(separator: ", ")); "
                + "the file already in audit/ was picked up")
            return names
        }

        // Every transition, from registration to the shutdown above, as published on the status stream.
        let final = await triggerer.statuses
        let transitions = await observedTransitions(updates, until: final)
        for (name, states) in transitions.sorted(by: { $0.key < $1.key }) {
            timeline.note("\(name): " + states.map(\.rawValue).joined(separator: " → "))
        }
        let history = Dictionary(uniqueKeysWithValues: final.map { ($0.name, $0.history) })
        let outcome = Outcome(
            assets: [orders.name: orders.uri, audit.name: audit.uri], problemsInDefinitions: problems,
            problemsInMismatched: mismatchProblems, watchersAfterFirstParse: afterFirst,
            watchersAfterReparse: afterReparse, watchersAfterAuditConsumer: afterAudit, transitions: transitions,
            history: history,
            ordersEvents: try await scheduler.assetEvents(for: orders.key).count,
            auditEvents: try await scheduler.assetEvents(for: audit.key).count)
        let proved = [
            "asset URI and watcher folder agree for both assets; a mismatch is reported (\(mismatchProblems.count))",
            "watchers after parsing: \(afterFirst.count) (only the asset a DAG is scheduled on), after re-parsing: "
                + "\(afterReparse.count), after adding an audit consumer: \(afterAudit.count)",
            "lifecycle of orders_watcher: " + (transitions["orders_watcher"] ?? []).map(\.rawValue).joined(separator: " → ")
                + "; status stream and kept history agree: \(transitions == history)",
            "asset events: orders \(outcome.ordersEvents), audit \(outcome.auditEvents)",
        ]
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved)
    }
}
