import Eventide
import EventideCLI
import Foundation

/// 117.1.1 — a sensor is a task that waits inside a run; an AssetWatcher waits outside any run and creates
/// asset events (and so runs) only when something happens.
enum WatcherBasics {
    static let item = "117.1.1"
    static let title = "AssetWatcher Concept Introduction"

    struct Configuration: Sendable {
        var files = 3
        var spacing: Duration = .milliseconds(150)
        var pokeInterval: Duration = .milliseconds(50)
    }

    struct Approach: Codable, Sendable, Hashable {
        let name: String
        let runs: Int
        let filesHandled: [String]
        /// Sum over runs of (ended − started): how long runs were active.
        let runActiveMilliseconds: Double
        /// Sum over runs of the part of that before the run's file was written: time a run spent waiting.
        let waitingMilliseconds: Double
        /// Pokes for the sensor, kernel wake-ups for the watcher.
        let wakeUps: Int
        let assetEvents: Int
    }

    struct WatcherDefinition: Codable, Sendable, Hashable {
        let assetURI: String
        let watcherName: String
        let trigger: String
        let statusAtEnd: WatcherStatus.State
    }

    struct Outcome: Codable, Sendable {
        let sensor: Approach
        let watcher: Approach
        let definition: WatcherDefinition
        /// For each watcher-triggered run, the file named in its triggering event's extra.
        let watcherRunFiles: [String]
        /// Runs of the watcher-scheduled DAG that existed before the first file arrived.
        let watcherRunsBeforeFirstFile: Int
        /// Extra of each asset event the watcher recorded.
        let watcherEventExtras: [[String: JSONValue]]
    }

    static func activeMilliseconds(_ runs: [DagRun]) -> Double {
        runs.compactMap { run in
            guard let start = run.startedAt, let end = run.endedAt else { return nil }
            return end.timeIntervalSince(start) * 1000
        }.reduce(0, +)
    }

    static func fileNames(_ count: Int) -> [String] { (1...count).map { "orders-\($0).csv" } }

    /// For each run, how long it was already running when its file was written (0 when it started after).
    static func waitingMilliseconds(_ runs: [DagRun], fileWrittenAt: [Date]) -> Double {
        zip(runs, fileWrittenAt).compactMap { run, written in
            run.startedAt.map { max(0, written.timeIntervalSince($0) * 1000) }
        }.reduce(0, +)
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let names = fileNames(configuration.files)
        let sensor = try await sensorPart(configuration, database: database, names: names, timeline: timeline)
        let (watcher, definition, runFiles, before, extras) = try await watcherPart(configuration, database: database, names: names,
                                                                    timeline: timeline)
        let outcome = Outcome(sensor: sensor, watcher: watcher, definition: definition, watcherRunFiles: runFiles,
                              watcherRunsBeforeFirstFile: before, watcherEventExtras: extras)
        let proved = [
            "sensor: \(sensor.runs) runs active " + String(format: "%.0f", sensor.runActiveMilliseconds) + " ms in total, \(sensor.wakeUps) pokes",
            "watcher: \(watcher.runs) runs active " + String(format: "%.0f", watcher.runActiveMilliseconds) + " ms in total, "
                + "\(watcher.wakeUps) wake-ups, \(watcher.assetEvents) asset events",
            "the watcher's runs exist only after a file arrived: runs before the first file: \(before); "
                + "one run per file, in arrival order: \(runFiles == names)",
            "run time spent waiting for a file: sensor " + String(format: "%.0f ms of %.0f ms active", sensor.waitingMilliseconds,
                sensor.runActiveMilliseconds) + ", watcher " + String(format: "%.0f ms of %.0f ms active",
                watcher.waitingMilliseconds, watcher.runActiveMilliseconds),
        ]
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved)
    }

    /// A run per file: `wait_for_file` pokes the folder until a file is there; `process` moves it away.
    static func sensorPart(_ configuration: Configuration, database: EventideDatabase, names: [String],
                           timeline: Timeline) async throws -> Approach {
        let landing = try database.folder("landing-sensor")
        let processed = try database.folder("processed-sensor")
        let sensor = PollingSensor(pokeInterval: configuration.pokeInterval, timeout: .seconds(30))
        let dag = try DAG("sensor_pipeline", tasks: [
            TaskDefinition("wait_for_file") { _ in
                let name = try await sensor.wait {
                    try FileManager.default.contentsOfDirectory(atPath: landing.path).sorted().first
                }
                return TaskOutput(value: .string(name))
            },
            TaskDefinition("process", upstream: ["wait_for_file"]) { context in
                let name = context.upstreamValues["wait_for_file"]?.stringValue ?? ""
                try FileManager.default.moveItem(at: landing.appendingPathComponent(name),
                                                 to: processed.appendingPathComponent(name))
                return TaskOutput(value: .string(name))
            },
        ])
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [dag])
        let scheduler = orchestrator.scheduler
        timeline.note("sensor part: sensor_pipeline = wait_for_file (poke every \(configuration.pokeInterval)) → process")
        let updates = scheduler.runUpdates()  // subscribed before any run starts
        let (runs, writtenAt) = try await orchestrator.withServices {
            var runs: [DagRun] = [], writtenAt: [Date] = []
            for (index, name) in names.enumerated() {
                let ref = try await scheduler.triggerRun("sensor_pipeline")
                // The file arrives `spacing` after the run started (and its sensor began to wait for it).
                for await update in updates where update.ref == ref && update.state == .running { break }
                try await Task.sleep(for: configuration.spacing)
                writtenAt.append(Date())
                try Data("id,amount\n1,2\n".utf8).write(to: landing.appendingPathComponent(name))
                runs = try await scheduler.waitForFinishedRuns(of: "sensor_pipeline", count: index + 1)
                let run = runs[index]
                timeline.note("  run \(index + 1) \(run.state.rawValue): waited for \(name), active "
                    + String(format: "%.0f ms", activeMilliseconds([run])) + ", pokes so far \(sensor.pokes.current)")
            }
            return (runs, writtenAt)
        }
        return Approach(name: "sensor", runs: runs.count,
                        filesHandled: runs.compactMap { $0.task("process")?.returnValue?.stringValue },
                        runActiveMilliseconds: activeMilliseconds(runs),
                        waitingMilliseconds: waitingMilliseconds(runs, fileWrittenAt: writtenAt),
                        wakeUps: sensor.pokes.current, assetEvents: 0)
    }

    /// An asset with a watcher; a consumer DAG scheduled on it, one run per event.
    static func watcherPart(_ configuration: Configuration, database: EventideDatabase, names: [String],
                            timeline: Timeline) async throws
        -> (Approach, WatcherDefinition, [String], Int, [[String: JSONValue]]) {
        let landing = try database.folder("landing-watched")
        let trigger = FileArrivalTrigger(directory: landing, suffixes: [".csv"])
        let watcher = AssetWatcher(name: "landing_watcher", trigger: trigger)
        let asset = try Asset(uri: "file://\(landing.path)", name: "landing_orders", watchers: [watcher])
        let dag = try DAG("process_arrivals", schedule: .on([asset]), assetTriggering: .perEvent, tasks: [
            TaskDefinition("process") { context in
                TaskOutput(value: context.triggeringEvents(of: asset).first?.extra["payload"]?["name"] ?? .null)
            }])
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [dag], assets: [asset])
        let scheduler = orchestrator.scheduler
        timeline.note("watcher part: Asset(landing_orders, watchers: [AssetWatcher(landing_watcher, "
            + "FileArrivalTrigger(landing-watched/, *.csv))]); process_arrivals scheduled on it, one run per event")
        let (runs, before, writtenAt) = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "landing_watcher", state: .running)
            let before = try await scheduler.runs(of: "process_arrivals").count
            timeline.note("  watcher running; runs of process_arrivals before any file: \(before)")
            var runs: [DagRun] = [], writtenAt: [Date] = []
            for (index, name) in names.enumerated() {
                try await Task.sleep(for: configuration.spacing)
                writtenAt.append(Date())
                try Data("id,amount\n1,2\n".utf8).write(to: landing.appendingPathComponent(name))
                runs = try await scheduler.waitForFinishedRuns(of: "process_arrivals", count: index + 1)
                let run = runs[index]
                timeline.note("  \(name) arrived → asset event #\(run.triggeringAssetEvents.first?.id ?? 0) → run \(index + 1) "
                    + "\(run.state.rawValue), active " + String(format: "%.0f ms", activeMilliseconds([run])))
            }
            return (runs, before, writtenAt)
        }
        let finalState = await orchestrator.triggerer.status(of: "landing_watcher")?.state ?? .stopped
        timeline.note("  services stopped; watcher \(finalState.rawValue)")
        let runFiles = runs.compactMap { $0.task("process")?.returnValue?.stringValue }
        let approach = Approach(name: "watcher", runs: runs.count, filesHandled: runFiles,
                                runActiveMilliseconds: activeMilliseconds(runs),
                                waitingMilliseconds: waitingMilliseconds(runs, fileWrittenAt: writtenAt),
                                wakeUps: trigger.wakeUps.current,
                                assetEvents: try await scheduler.assetEvents(for: asset.key).count)
        let definition = WatcherDefinition(assetURI: asset.uri, watcherName: watcher.name,
                                           trigger: "FileArrivalTrigger(" + trigger.suffixes.map { "*" + $0 }
                                               .joined(separator: ", ") + ")", statusAtEnd: finalState)
        let extras = try await scheduler.assetEvents(for: asset.key).map(\.extra)
        return (approach, definition, runFiles, before, extras)
    }
}
