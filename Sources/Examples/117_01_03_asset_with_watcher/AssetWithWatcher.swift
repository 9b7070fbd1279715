import Eventide
import Foundation

/// 117.1.3 — an asset and its watcher are defined together, from one location, and the watcher's life follows
/// the DAGs that use the asset: registered when a DAG scheduled on it is parsed, stopped with the triggerer.
enum AssetWithWatcher {
    /// A file watcher that watches another folder than its asset's URI names.
    struct Mismatch: Codable, Sendable, Hashable, CustomStringConvertible {
        let watcher: String
        let watchedPath: String
        let asset: String
        let assetURI: String

        var description: String { "\(watcher) watches \(watchedPath) but asset \(asset) is \(assetURI)" }
    }

    // [START asset]
    /// An asset whose URI and watcher come from the same folder, so they cannot drift apart.
    static func watchedFolder(_ folder: URL, name: String, clock: EventideClock = .system) throws -> Asset {
        try Asset(
            uri: folder.absoluteString, name: name,
            watchers: [
                AssetWatcher(
                    name: "\(name)_watcher",
                    trigger: FileArrivalTrigger(directory: folder, suffixes: [".csv"], clock: clock))
            ])
    }

    /// The file watchers of `asset` that watch another folder than its URI names (none when defined as above).
    static func mismatches(_ asset: Asset) -> [Mismatch] {
        asset.watchers.compactMap { watcher in
            guard let files = watcher.trigger as? FileArrivalTrigger else { return nil }
            let uriPath = URL(string: asset.uri)?.standardizedFileURL.path ?? asset.uri
            let watched = files.directory.standardizedFileURL.path
            return uriPath == watched
                ? nil
                : Mismatch(watcher: watcher.name, watchedPath: watched, asset: asset.name, assetURI: asset.uri)
        }
    }
    // [END asset]

    // [START dags]
    /// Parsing (registering) this DAG registers `orders_watcher`: its schedule uses the asset.
    static func loadOrders(_ orders: Asset) throws -> DAG {
        try DAG(
            "load_orders", schedule: .on([orders]), assetTriggering: .perEvent,
            tasks: [TaskDefinition("load") { _ in .none }])
    }

    /// Until a DAG like this one is parsed, `audit_watcher` is not registered and does not run.
    static func reviewAudit(_ audit: Asset) throws -> DAG {
        try DAG("review_audit", schedule: .on([audit]), tasks: [TaskDefinition("review") { _ in .none }])
    }
    // [END dags]
}
