import Eventide
import Foundation

/// 117.1.2 — what a watcher is configured with beyond its trigger: how to restart it, how long a deferred
/// sensor may wait, which events to keep, what metadata to extract, and which connection to use.
enum WatcherConfig {
    /// A manifest the `check_manifest` task looked for was not there.
    enum ManifestError: Error, Equatable, CustomStringConvertible {
        case missing(folder: String)

        var description: String {
            switch self {
            case .missing(let folder): "no manifest in \(folder) yet; the producer has not delivered it"
            }
        }
    }

    struct Zones: Sendable { let late, missing, csv: Connection }
    struct Watched: Sendable { let late, missing, csv: Asset }

    // [START connections]
    /// Where each watcher looks comes from a connection (Airflow's `AIRFLOW_CONN_<ID>`), not from DAG code.
    static func zones(_ connections: ConnectionRegistry) throws(ConnectionError) -> Zones {
        Zones(
            late: try connections.connection("late_zone"), missing: try connections.connection("missing_zone"),
            csv: try connections.connection("csv_zone"))
    }
    // [END connections]

    // [START watchers]
    static func assets(_ zones: Zones, restart: RetryPolicy, clock: EventideClock = .system) throws -> Watched {
        // Restarted with back-off while its folder is missing, up to `restart.retries` times.
        let late = AssetWatcher(
            name: "late_watcher", trigger: FileArrivalTrigger(directory: zones.late.uri, clock: clock),
            restart: restart, connectionId: zones.late.id)
        // One restart, then `failed`, its status keeping the last error.
        let missing = AssetWatcher(
            name: "missing_watcher",
            trigger: FileArrivalTrigger(directory: zones.missing.uri, clock: clock),
            restart: RetryPolicy(retries: 1, delay: restart.delay), connectionId: zones.missing.id)
        // Two filters: the trigger fires only for *.csv; the watcher drops empty files. `extract` builds `extra`.
        let csv = AssetWatcher(
            name: "csv_watcher",
            trigger: FileArrivalTrigger(directory: zones.csv.uri, suffixes: [".csv"], clock: clock),
            filter: { ($0.payload["size"]?.intValue ?? 0) > 0 },
            extract: { event in
                [
                    "file_name": event.payload["name"] ?? .null, "size_bytes": event.payload["size"] ?? .null,
                    "landing_zone": .string(zones.csv.id),
                ]
            },
            connectionId: zones.csv.id)
        return Watched(
            late: try Asset(uri: zones.late.uri.absoluteString, name: "late_files", watchers: [late]),
            missing: try Asset(uri: zones.missing.uri.absoluteString, name: "missing_files", watchers: [missing]),
            csv: try Asset(uri: zones.csv.uri.absoluteString, name: "csv_files", watchers: [csv]))
    }
    // [END watchers]

    // [START dags]
    static func dags(_ watched: Watched, manifests: URL, timeout: Duration, retry: RetryPolicy) throws -> [DAG] {
        [
            try DAG(
                "consume_landings", schedule: .on(watched.late | watched.missing | watched.csv),
                tasks: [TaskDefinition("consume") { _ in .none }]),
            // A deferred sensor: after `timeout` it fails with TriggerError.timedOut, which is not retried.
            try DAG(
                "wait_for_manifest",
                tasks: [
                    TaskDefinition("wait", retry: retry) { context in
                        _ = try await context.deferUntil(FileArrivalTrigger(directory: manifests), timeout: timeout)
                        return .none
                    }
                ]),
            // The same question asked once per try: its failure is an ordinary error, retried by `retry`.
            try DAG(
                "check_manifest",
                tasks: [
                    TaskDefinition("check", retry: retry) { _ in
                        guard try !FileManager.default.contentsOfDirectory(atPath: manifests.path).isEmpty else {
                            throw ManifestError.missing(folder: manifests.path)
                        }
                        return .none
                    }
                ]),
        ]
    }
    // [END dags]
}
