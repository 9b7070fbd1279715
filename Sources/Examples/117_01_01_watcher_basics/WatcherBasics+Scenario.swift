import Eventide
import EventideCLI
import Foundation

/// Drives `WatcherBasics.swift`: the same file arrivals handled by the sensor pipeline (a run per file, the
/// file written `spacing` after the run started) and by the watched asset (the file written, no run waiting);
/// measures runs, the time runs were active and waiting, and wake-ups.
extension WatcherBasics {
    static let item = "117.1.1"
    static let title = "AssetWatcher Concept Introduction"

    struct Configuration: Sendable {
        var files = 3
        var spacing: Duration = .milliseconds(150)
        var pokeInterval: Duration = .milliseconds(50)
        /// Paces the files and the sensor's pokes, and stamps runs and events.
        var clock: EventideClock = .system
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        /// The DAG finished runs, but none for the file just written: the mechanism under test is broken.
        case noRunFor(file: String, dagId: String)
        /// The landing asset's watcher is not the file trigger the example counts wake-ups of.
        case notAFileWatcher(asset: String)

        var description: String {
            switch self {
            case .noRunFor(let file, let dagId): "\(dagId) finished no run for \(file); look at the runtime's log"
            case .notAFileWatcher(let asset): "asset \(asset) has no FileArrivalTrigger watcher"
            }
        }
    }

    struct Approach: Codable, Sendable, Hashable {
        let runs: Int
        let filesHandled: [String]
        /// Sum over runs of (ended − started): how long runs were active.
        let runActiveMilliseconds: Double
        /// Sum over runs of the part of that before the run's file was written: time a run spent waiting.
        let waitingMilliseconds: Double
        /// Pokes for the sensor, kernel wake-ups for the watcher.
        let wakeUps: Int
        let assetEvents: Int

        /// Measured from the finished runs (one per file, in order) and when each one's file was written.
        init(_ runs: [DagRun], writtenAt: [Date], wakeUps: Int, assetEvents: Int) {
            self.runs = runs.count
            filesHandled = runs.compactMap { $0.task("process")?.returnValue?.stringValue }
            runActiveMilliseconds = WatcherBasics.activeMilliseconds(runs)
            waitingMilliseconds = WatcherBasics.waitingMilliseconds(runs, fileWrittenAt: writtenAt)
            self.wakeUps = wakeUps
            self.assetEvents = assetEvents
        }
    }

    struct WatcherDefinition: Codable, Sendable, Hashable {
        let assetURI: String
        let watcherName: String
        let trigger: String
        /// The watcher's state once the services stopped; nil when the triggerer has no status for it (it
        /// was never registered).
        let statusAtEnd: WatcherStatus.State?
    }

    struct Outcome: Codable, Sendable {
        let filesWritten: [String]
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

    static func fileNames(_ count: Int) -> [String] { (1...max(1, count)).map { "orders-\($0).csv" } }

    static func activeMilliseconds(_ runs: [DagRun]) -> Double {
        runs.compactMap { run in
            guard let start = run.startedAt, let end = run.endedAt else { return nil }
            return end.timeIntervalSince(start) * 1000
        }.reduce(0, +)
    }

    /// For each run, how long it was already running when its file was written (0 when it started after).
    static func waitingMilliseconds(_ runs: [DagRun], fileWrittenAt: [Date]) -> Double {
        zip(runs, fileWrittenAt).compactMap { run, written in
            run.startedAt.map { max(0, written.timeIntervalSince($0) * 1000) }
        }.reduce(0, +)
    }

    /// Waits `spacing` on the scheduler's clock, writes `file` into `folder`, and returns when it was written and
    /// the run of `dagId` that handled it (its `process` task returned the name) once `count` runs finished.
    static func deliver(
        _ file: String, into folder: URL, after spacing: Duration, handledBy dagId: String,
        run count: Int, scheduler: Scheduler
    ) async throws -> (Date, DagRun) {
        try await scheduler.clock.sleep(for: spacing)
        let written = scheduler.clock.date
        try Data("id,amount\n1,2\n".utf8).write(to: folder.appendingPathComponent(file))
        let runs = try await scheduler.waitForFinishedRuns(of: dagId, count: count)
        guard let run = runs.first(where: { $0.task("process")?.returnValue?.stringValue == file }) else {
            throw ScenarioError.noRunFor(file: file, dagId: dagId)
        }
        return (written, run)
    }

    /// Runs both approaches on one runtime. Refuses a store an earlier run used (`ExampleError.storeNotEmpty`):
    /// its counts start from nothing, and a reused `--db` would mix two runs.
    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let names = fileNames(configuration.files), clock = configuration.clock
        // Located (not emptied) first: a refused store keeps what an earlier run left beside it.
        let landingSensor = try database.folder("landing-sensor", fresh: false)
        let processedSensor = try database.folder("processed-sensor", fresh: false)
        let landingWatched = try database.folder("landing-watched", fresh: false)
        let sensor = PollingSensor(pokeInterval: configuration.pokeInterval, timeout: .seconds(30), clock: clock)
        let sensorDag = try sensorPipeline(landing: landingSensor, processed: processedSensor, sensor: sensor)
        let landing = try landingAsset(landingWatched, clock: clock)
        let consumer = try processArrivals(on: landing)
        guard let watcher = landing.watchers.first, let trigger = watcher.trigger as? FileArrivalTrigger else {
            throw ScenarioError.notAFileWatcher(asset: landing.name)
        }
        let orchestrator = Orchestrator(database: database, clock: clock)
        try await orchestrator.register(dags: [sensorDag, consumer], assets: [landing])
        try await orchestrator.requireFreshStore()
        for folder in [landingSensor, processedSensor, landingWatched] {
            _ = try database.folder(folder.lastPathComponent)  // emptied now that the store is known fresh
        }
        timeline.abbreviate(landingWatched, as: "landing-watched")

        let scheduler = orchestrator.scheduler, triggerer = orchestrator.triggerer
        let updates = scheduler.runUpdates()  // subscribed before any run starts
        let (sensorRuns, sensorWritten, watcherRuns, watcherWritten, before) = try await orchestrator.withServices {
            // The sensor: a run per file; the file arrives `spacing` after the run started to wait for it.
            timeline.note("sensor_pipeline = wait_for_file (poke every \(configuration.pokeInterval)) → process")
            var sensorRuns: [DagRun] = [], sensorWritten: [Date] = []
            for name in names {
                let ref = try await scheduler.triggerRun(sensorDag.dagId)
                try await WaitDeadline.default.enforce(waitingFor: "run \(ref) to start") {
                    for await update in updates where update.ref == ref && update.state == .running { return }
                    throw WaitError.ended(waitingFor: "run \(ref) to start")
                }
                let (written, run) = try await deliver(
                    name, into: landingSensor, after: configuration.spacing,
                    handledBy: sensorDag.dagId, run: sensorRuns.count + 1,
                    scheduler: scheduler)
                sensorWritten.append(written)
                sensorRuns.append(run)
                timeline.note(
                    "  run \(sensorRuns.count) \(run.state.rawValue): waited for \(name), active "
                        + String(format: "%.0f ms", activeMilliseconds([run]))
                        + ", pokes so far \(sensor.pokes.current)",
                    at: run.endedAt ?? clock.date)
            }

            // The watcher: running since the services started; no run waits for the files.
            let running = try await triggerer.waitFor(watcher: watcher.name, state: .running)
            let before = try await scheduler.runs(of: consumer.dagId).count
            timeline.note(
                "\(running.name) \(running.state.rawValue) on \(landing.name) (\(trigger.description)); "
                    + "runs of \(consumer.dagId) before any file: \(before)")
            var watcherRuns: [DagRun] = [], watcherWritten: [Date] = []
            for name in names {
                let (written, run) = try await deliver(
                    name, into: landingWatched, after: configuration.spacing,
                    handledBy: consumer.dagId, run: watcherRuns.count + 1,
                    scheduler: scheduler)
                watcherWritten.append(written)
                watcherRuns.append(run)
                let event = run.triggeringAssetEvents.first
                timeline.note(
                    "  \(name) arrived → asset event #\(event.map { String($0.id) } ?? "none")",
                    at: event?.timestamp ?? clock.date)
                timeline.note(
                    "  run \(watcherRuns.count) of \(consumer.dagId) \(run.state.rawValue), active "
                        + String(format: "%.0f ms", activeMilliseconds([run])), at: run.endedAt ?? clock.date)
            }
            return (sensorRuns, sensorWritten, watcherRuns, watcherWritten, before)
        }
        let finalState = await triggerer.status(of: watcher.name)?.state
        timeline.note(
            "services stopped; \(watcher.name): "
                + (finalState.map(\.rawValue) ?? "no status (the triggerer never registered it)"))

        let events = try await scheduler.assetEvents(for: landing.key)
        let outcome = Outcome(
            filesWritten: names,
            sensor: Approach(sensorRuns, writtenAt: sensorWritten, wakeUps: sensor.pokes.current, assetEvents: 0),
            watcher: Approach(
                watcherRuns, writtenAt: watcherWritten, wakeUps: trigger.wakeUps.current,
                assetEvents: events.count),
            definition: WatcherDefinition(
                assetURI: landing.uri, watcherName: watcher.name,
                trigger: "FileArrivalTrigger("
                    + trigger.suffixes.map { "*" + $0 }
                    .joined(separator: ", ") + ")", statusAtEnd: finalState),
            watcherRunFiles: watcherRuns.flatMap {
                $0.triggeringAssetEvents.compactMap { $0.extra["payload"]?["name"]?.stringValue }
            },
            watcherRunsBeforeFirstFile: before, watcherEventExtras: events.map(\.extra))
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let (sensor, watcher) = (outcome.sensor, outcome.watcher)
        let ms = { (value: Double) in String(format: "%.0f ms", value) }
        return [
            "sensor: \(sensor.runs) runs active \(ms(sensor.runActiveMilliseconds)) in total, \(sensor.wakeUps) pokes",
            "watcher: \(watcher.runs) runs active \(ms(watcher.runActiveMilliseconds)) in total, "
                + "\(watcher.wakeUps) wake-ups, \(watcher.assetEvents) asset events for \(outcome.filesWritten.count) files",
            "runs of process_arrivals before the first file: \(outcome.watcherRunsBeforeFirstFile); "
                + "one run per file, in arrival order: \(outcome.watcherRunFiles == outcome.filesWritten)",
            "run time spent waiting for a file: sensor \(ms(sensor.waitingMilliseconds)) of "
                + "\(ms(sensor.runActiveMilliseconds)) active, watcher \(ms(watcher.waitingMilliseconds)) of "
                + "\(ms(watcher.runActiveMilliseconds)) active",
            "\(outcome.definition.watcherName) after the services stopped: "
                + (outcome.definition.statusAtEnd.map(\.rawValue) ?? "no status"),
        ]
    }
}
