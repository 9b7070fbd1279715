import Eventide
import Foundation

/// 117.1.1 — a sensor is a task that waits inside a run; an AssetWatcher waits outside any run and creates
/// asset events (and so runs) only when something happens.
enum WatcherBasics {
    /// What the pipelines refuse to do.
    enum PipelineError: Error, Equatable, CustomStringConvertible {
        /// `process` ran without a file name from `wait_for_file`: the task wiring is broken.
        case noFileFromSensor

        var description: String {
            switch self {
            case .noFileFromSensor: "process got no file name from wait_for_file; check the task's upstream"
            }
        }
    }

    // [START sensor]
    /// The traditional way: each run's first task pokes the landing folder until a file is there, holding
    /// the run open the whole time; then `process` moves the file away.
    static func sensorPipeline(landing: URL, processed: URL, sensor: PollingSensor<EventideClock>) throws -> DAG {
        try DAG(
            "sensor_pipeline",
            tasks: [
                TaskDefinition("wait_for_file") { _ in
                    let name = try await sensor.wait {
                        try FileManager.default.contentsOfDirectory(atPath: landing.path).sorted().first
                    }
                    return TaskOutput(value: .string(name))
                },
                TaskDefinition("process", upstream: ["wait_for_file"]) { context in
                    guard let name = context.upstreamValues["wait_for_file"]?.stringValue else {
                        throw PipelineError.noFileFromSensor
                    }
                    try FileManager.default.moveItem(
                        at: landing.appendingPathComponent(name),
                        to: processed.appendingPathComponent(name))
                    return TaskOutput(value: .string(name))
                },
            ])
    }
    // [END sensor]

    // [START watcher]
    /// The event-driven way: the asset carries its watcher. The triggerer runs it outside any DAG run, and
    /// each file closed in the folder becomes one asset event (its `extra.payload`: path, name, size, mtime).
    static func landingAsset(_ folder: URL, clock: EventideClock = .system) throws -> Asset {
        let trigger = FileArrivalTrigger(directory: folder, suffixes: [".csv"], clock: clock)
        return try Asset(
            uri: "file://\(folder.path)", name: "landing_orders",
            watchers: [AssetWatcher(name: "landing_watcher", trigger: trigger)])
    }

    /// Scheduled on the asset, one run per asset event: no run exists until a file has arrived.
    static func processArrivals(on landing: Asset) throws -> DAG {
        try DAG(
            "process_arrivals", schedule: .on([landing]), assetTriggering: .perEvent,
            tasks: [
                TaskDefinition("process") { context in
                    TaskOutput(value: context.triggeringEvents(of: landing).first?.extra["payload"]?["name"] ?? .null)
                }
            ])
    }
    // [END watcher]
}
