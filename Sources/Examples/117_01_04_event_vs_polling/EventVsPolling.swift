import Eventide
import EventideCLI
import Foundation
import Synchronization

/// 117.1.4 — the same stream of file arrivals observed at once by a polling sensor and by a watcher; the
/// example measures what each costs (wake-ups) and how late each is (latency), then chooses per use case.
enum EventVsPolling {
    static let item = "117.1.4"
    static let title = "Event-Driven vs Polling Comparison"

    struct Configuration: Sendable {
        var files = 12
        var meanInterval: Duration = .milliseconds(60)
        var pokeInterval: Duration = .milliseconds(50)
        var seed: UInt64 = 11
    }

    struct Measurement: Codable, Sendable, Hashable {
        let approach: String
        let detected: Int
        let latenciesMs: [Double]
        let p50Ms: Double
        let maxMs: Double
        let wakeUps: Int
        let wakeUpsPerEvent: Double
    }

    struct UseCase: Codable, Sendable, Hashable {
        let name: String
        let eventsPerHour: Double
        let latencyBudgetSeconds: Double
        /// The poke interval a polling sensor would use here.
        let pokeIntervalSeconds: Double
    }

    struct Recommendation: Codable, Sendable, Hashable {
        let useCase: UseCase
        let choice: String
        let pollingWakeUpsPerHour: Double
        let watcherWakeUpsPerHour: Double
        let pollingWorstLatencySeconds: Double
        let reason: String
    }

    struct Outcome: Codable, Sendable {
        let files: Int
        let streamMilliseconds: Double
        let polling: Measurement
        let watcher: Measurement
        let recommendations: [Recommendation]
    }

    static let useCases = [
        UseCase(name: "nightly export, 1 h SLA", eventsPerHour: 1, latencyBudgetSeconds: 3_600, pokeIntervalSeconds: 60),
        UseCase(name: "clickstream batches, 60 s SLA", eventsPerHour: 100_000, latencyBudgetSeconds: 60, pokeIntervalSeconds: 30),
        UseCase(name: "fraud alerts, 1 s SLA", eventsPerHour: 200, latencyBudgetSeconds: 1, pokeIntervalSeconds: 5),
    ]

    /// Chooses from costs and latencies: a poller wakes 3600/interval times an hour whatever happens and is
    /// up to one interval late; a watcher wakes about once per event (as measured) and is late by its
    /// measured latency. Latency budget first, then fewer wake-ups.
    static func recommend(_ useCase: UseCase, watcher: Measurement) -> Recommendation {
        let pollingPerHour = 3_600 / useCase.pokeIntervalSeconds
        let watcherPerHour = useCase.eventsPerHour * max(watcher.wakeUpsPerEvent, 0.01)
        let pollingWorst = useCase.pokeIntervalSeconds
        let watcherWorst = watcher.maxMs / 1000
        let (choice, reason): (String, String)
        if pollingWorst > useCase.latencyBudgetSeconds && watcherWorst <= useCase.latencyBudgetSeconds {
            (choice, reason) = ("watcher", "polling can be \(fmt(pollingWorst)) s late, over the \(fmt(useCase.latencyBudgetSeconds)) s budget")
        } else if watcherPerHour < pollingPerHour {
            (choice, reason) = ("watcher", "\(fmt(watcherPerHour)) wake-ups/h instead of \(fmt(pollingPerHour)), within budget")
        } else {
            (choice, reason) = ("polling", "\(fmt(pollingPerHour)) polls/h batch \(fmt(useCase.eventsPerHour)) events/h "
                + "for fewer wake-ups, and \(fmt(pollingWorst)) s fits the budget")
        }
        return Recommendation(useCase: useCase, choice: choice, pollingWakeUpsPerHour: pollingPerHour,
                              watcherWakeUpsPerHour: watcherPerHour, pollingWorstLatencySeconds: pollingWorst,
                              reason: reason)
    }

    static func fmt(_ value: Double) -> String {
        value >= 100 || value == value.rounded() ? String(Int(value.rounded())) : String(format: "%.2f", value)
    }

    static func measurement(_ name: String, _ latencies: [Double], wakeUps: Int) -> Measurement {
        let sorted = latencies.sorted()
        let p50 = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        return Measurement(approach: name, detected: latencies.count, latenciesMs: latencies, p50Ms: p50,
                           maxMs: sorted.last ?? 0, wakeUps: wakeUps,
                           wakeUpsPerEvent: latencies.isEmpty ? 0 : Double(wakeUps) / Double(latencies.count))
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let folder = try database.folder("stream")
        var generator = SeededGenerator(seed: configuration.seed)
        let meanMs = configuration.meanInterval.inMilliseconds
        // Exponential gaps (a Poisson stream): -mean·ln(U).
        let gaps = (0..<configuration.files).map { _ in
            -meanMs * log(Double.random(in: Double.ulpOfOne..<1, using: &generator))
        }
        let names = (1...configuration.files).map { String(format: "event-%03d.json", $0) }

        let trigger = FileArrivalTrigger(directory: folder)
        let asset = try Asset(uri: folder.absoluteString, name: "stream",
                              watchers: [AssetWatcher(name: "stream_watcher", trigger: trigger)])
        let consumer = try DAG("on_event", schedule: .on([asset]), maxActiveRuns: 1_000, assetTriggering: .perEvent,
                               tasks: [TaskDefinition("handle") { _ in .none }])
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [consumer], assets: [asset])
        let sensor = PollingSensor(pokeInterval: configuration.pokeInterval, timeout: .seconds(600))
        let written = WriteTimes()
        timeline.note("\(configuration.files) files, mean gap \(Int(meanMs)) ms (seed \(configuration.seed)); "
            + "polling every \(configuration.pokeInterval) vs watcher (inotify), same folder, same time")

        let started = Date()
        let (pollingLatencies, watcherLatencies) = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "stream_watcher", state: .running)
            return try await withThrowingTaskGroup(of: [String: Date]?.self) { group in
                // The poller: pokes the folder listing; each new name is a detection, timed now and compared
                // with the write time once the stream is over (a file can be listed before its writer noted it).
                group.addTask {
                    var seen: Set<String> = []
                    var detections: [String: Date] = [:]
                    while seen.count < names.count {
                        let known = seen
                        let fresh = try await sensor.wait { () -> [String]? in
                            let now = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
                                .subtracting(known)
                            return now.isEmpty ? nil : Array(now)
                        }
                        let detected = Date()
                        seen.formUnion(fresh)
                        for name in fresh { detections[name] = detected }
                    }
                    return detections
                }
                // The stream: write each file after its gap. The time is noted just before the write, so no
                // observer can see a file whose time is unknown (the 2-byte write takes microseconds).
                group.addTask {
                    for (gap, name) in zip(gaps, names) {
                        try await Task.sleep(for: .milliseconds(gap))
                        written.record(name)
                        try Data("{}".utf8).write(to: folder.appendingPathComponent(name))
                    }
                    return nil
                }
                var detections: [String: Date] = [:]
                for try await result in group { if let result { detections = result } }
                // The watcher's detections are its asset events, stamped when recorded.
                let runs = try await orchestrator.scheduler.waitForFinishedRuns(of: "on_event", count: names.count)
                let times = written.all
                let polling = names.compactMap { name -> Double? in
                    guard let at = times[name], let detected = detections[name] else { return nil }
                    return detected.timeIntervalSince(at) * 1000
                }
                let watcher = runs.compactMap { run -> Double? in
                    guard let event = run.triggeringAssetEvents.first,
                          let name = event.extra["payload"]?["name"]?.stringValue, let at = times[name] else { return nil }
                    return event.timestamp.timeIntervalSince(at) * 1000
                }
                return (polling, watcher)
            }
        }
        let streamMs = Date().timeIntervalSince(started) * 1000
        let polling = measurement("polling", pollingLatencies, wakeUps: sensor.pokes.current)
        let watcher = measurement("watcher", watcherLatencies, wakeUps: trigger.wakeUps.current)
        for m in [polling, watcher] {
            timeline.note(String(format: "%@: detected %d/%d, latency p50 %.1f ms, max %.1f ms, wake-ups %d (%.1f per event)",
                                 m.approach, m.detected, names.count, m.p50Ms, m.maxMs, m.wakeUps, m.wakeUpsPerEvent))
        }
        let recommendations = useCases.map { recommend($0, watcher: watcher) }
        for r in recommendations { timeline.note("use case \"\(r.useCase.name)\": \(r.choice) — \(r.reason)") }
        let outcome = Outcome(files: names.count, streamMilliseconds: streamMs, polling: polling, watcher: watcher,
                              recommendations: recommendations)
        let proved = [
            String(format: "latency p50: watcher %.1f ms vs polling %.1f ms (poke interval %@)", watcher.p50Ms,
                   polling.p50Ms, "\(configuration.pokeInterval)"),
            "wake-ups: watcher \(watcher.wakeUps) (≈ one per event) vs polling \(polling.wakeUps) (one per interval, events or not)",
            "every file was detected by both: \(polling.detected == names.count && watcher.detected == names.count)",
            "choices: " + recommendations.map { "\($0.useCase.name) → \($0.choice)" }.joined(separator: "; "),
        ]
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved)
    }
}

/// When each file of the stream was closed, shared by the writer and the two observers.
final class WriteTimes: Sendable {
    private let times = Mutex<[String: Date]>([:])
    func record(_ name: String) { times.withLock { $0[name] = Date() } }
    var all: [String: Date] { times.withLock { $0 } }
}
