import Eventide
import Foundation
import Logging
import ServiceLifecycle

/// 117.1.5 — a watcher's life from registration to graceful shutdown, how to tell whether it is healthy, and
/// how to find and fix why it is not.
enum WatcherLifecycle {
    // [START watchers]
    /// Two landing zones, each an asset with a watcher, and one DAG scheduled on either of them.
    struct Zones: Sendable {
        let inbox: Asset, partner: Asset
        let ingest: DAG

        init(inbox inboxFolder: URL, partner partnerFolder: URL, clock: EventideClock = .system) throws {
            // Empty files are acknowledged and counted as `filtered`: no asset event, no run.
            inbox = try Asset(
                uri: inboxFolder.absoluteString, name: "inbox",
                watchers: [
                    AssetWatcher(
                        name: "inbox_watcher", trigger: FileArrivalTrigger(directory: inboxFolder, clock: clock),
                        filter: { ($0.payload["size"]?.intValue ?? 0) > 0 }, connectionId: "inbox_fs")
                ])
            // One restart, then `failed`: an operator hears of a broken source at once, not after minutes of
            // back-off (the default policy, `RetryPolicy.watcherRestart`, rides out a deploy).
            let partnerTrigger = FileArrivalTrigger(directory: partnerFolder, clock: clock)
            partner = try Asset(
                uri: partnerFolder.absoluteString, name: "partner_drop",
                watchers: [
                    AssetWatcher(
                        name: "partner_watcher", trigger: partnerTrigger,
                        restart: RetryPolicy(retries: 1, delay: .milliseconds(20)), connectionId: "partner_sftp")
                ])
            ingest = try DAG(
                "ingest", schedule: .on(inbox | partner), assetTriggering: .perEvent,
                tasks: [TaskDefinition("ingest") { _ in .none }])
        }
    }
    // [END watchers]

    // [START service]
    /// Registers the DAG (and so the watchers of the assets it waits on) and wraps the orchestrator in a
    /// ServiceGroup: `run()` starts every watcher, `triggerGracefulShutdown()` stops them all.
    static func serviceGroup(for zones: Zones, _ orchestrator: Orchestrator) async throws -> ServiceGroup {
        try await orchestrator.register(dags: [zones.ingest], assets: [zones.inbox, zones.partner])
        return ServiceGroup(
            configuration: .init(
                services: [.init(service: orchestrator)],
                logger: Logger(label: "eventide.example.lifecycle")))
    }
    // [END service]

    // [START diagnose]
    /// What to fix, from a watcher's status and a look at the source it watches.
    enum Diagnosis: Codable, Sendable, Hashable, CustomStringConvertible {
        case healthy
        case folderMissing(path: String, connectionId: String?)
        case notAFolder(path: String, connectionId: String?)
        /// The source looks fine: the error is the only lead.
        case unexplained(lastError: String?, connectionId: String?)

        var description: String {
            switch self {
            case .healthy: "nothing to fix"
            case .folderMissing(let path, let id): "\(path) does not exist: create it, or fix connection \(id ?? "-")"
            case .notAFolder(let path, let id): "\(path) is not a folder: fix connection \(id ?? "-")"
            case .unexplained(let error, let id): "read the error (\(error ?? "none")), check connection \(id ?? "-")"
            }
        }
    }

    /// A watcher is healthy while running; a failed one keeps `lastError` until it runs again (then it is cleared).
    static func diagnose(
        _ state: WatcherStatus.State, lastError: String?, watching folder: URL,
        connectionId: String?
    ) -> Diagnosis {
        guard state == .failed || state == .restarting else { return .healthy }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) else {
            return .folderMissing(path: folder.path, connectionId: connectionId)
        }
        guard isFolder.boolValue else { return .notAFolder(path: folder.path, connectionId: connectionId) }
        return .unexplained(lastError: lastError, connectionId: connectionId)
    }
    // [END diagnose]
}
