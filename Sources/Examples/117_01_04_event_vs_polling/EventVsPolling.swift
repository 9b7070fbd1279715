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

    /// How late the poller was for one file, against the gap between the poke that found it and the one before.
    struct PollingDetection: Codable, Sendable, Hashable {
        let name: String
        /// Detection − the moment the file's write returned (negative when a poke listed it mid-write).
        let afterWriteCompletedMs: Double
        /// Detection − the start of the previous poke: the interval as the machine actually scheduled it.
        let pokeGapMs: Double
        /// True when no poke that started after the file was complete missed it.
        var caughtByNextPoke: Bool { afterWriteCompletedMs <= pokeGapMs }
    }

    struct Outcome: Codable, Sendable {
        let files: Int
        let streamMilliseconds: Double
        /// Write started → the poller's listing showed the file.
        let polling: Measurement
        /// Write started → the watcher's trigger was woken with the file (`TriggerEvent.observedAt`).
        let watcher: Measurement
        /// Write started → the watcher's asset event was recorded: `watcher` plus the wait in the triggerer's
        /// queue (events are handled one after another) and the hand-off to the scheduler.
        let watcherRecorded: Measurement
        /// Asset events stored for the stream's asset (one per file when nothing was recorded twice).
        let assetEvents: Int
        /// Files the watcher's trigger saw before the poller's listing did (the same write, so a stall of the
        /// machine delays both and cancels out).
        let watcherFirst: Int
        let pollingDetections: [PollingDetection]
        /// The longest time between two consecutive pokes' starts (poke interval plus scheduling delay).
        let longestPokeGapMs: Double
        /// From the poller's first poke to its last: the time it was awake for the stream.
        let pollingSpanMs: Double
        /// How late the machine woke a sleeper: the most a poke came after its interval, or a write after its
        /// gap. Near zero on a quiet machine; large when the thread pool was starved, and then both approaches'
        /// latencies are blurred by the same stalls.
        let schedulingDelayMs: Double
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
        // The extra keeps when the trigger saw the file, so its notice can be told apart from its recording.
        let watcherDefinition = AssetWatcher(name: "stream_watcher", trigger: trigger, extract: { event in
            ["payload": event.payload,
             "observed_at_s": event.observedAt.map { .number($0.timeIntervalSince1970) } ?? .null]
        })
        let asset = try Asset(uri: folder.absoluteString, name: "stream", watchers: [watcherDefinition])
        let consumer = try DAG("on_event", schedule: .on([asset]), maxActiveRuns: 1_000, assetTriggering: .perEvent,
                               tasks: [TaskDefinition("handle") { _ in .none }])
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [consumer], assets: [asset])
        let sensor = PollingSensor(pokeInterval: configuration.pokeInterval, timeout: .seconds(600))
        let written = WriteTimes()
        let pokes = PokeTimes()
        timeline.note("\(configuration.files) files, mean gap \(Int(meanMs)) ms (seed \(configuration.seed)); "
            + "polling every \(configuration.pokeInterval) vs watcher (inotify), same folder, same time")

        let started = Date()
        let (pollingLatencies, watcherLatencies, recordedLatencies, pollingDetections, watcherFirst)
            = try await orchestrator.withServices {
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
                            pokes.record()
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
                        let asleep = ContinuousClock.now
                        try await Task.sleep(for: .milliseconds(gap))
                        written.late((ContinuousClock.now - asleep).inMilliseconds - gap)
                        written.record(name)
                        try Data("{}".utf8).write(to: folder.appendingPathComponent(name))
                        written.complete(name)
                    }
                    return nil
                }
                var detections: [String: Date] = [:]
                for try await result in group { if let result { detections = result } }
                // The watcher's detections: when its trigger saw each file, and when the asset event was recorded.
                let runs = try await orchestrator.scheduler.waitForFinishedRuns(of: "on_event", count: names.count)
                let times = written.all
                let polling = names.compactMap { name -> Double? in
                    guard let at = times[name], let detected = detections[name] else { return nil }
                    return detected.timeIntervalSince(at) * 1000
                }
                let events = runs.compactMap { run -> (at: Date, event: AssetEvent)? in
                    guard let event = run.triggeringAssetEvents.first,
                          let name = event.extra["payload"]?["name"]?.stringValue, let at = times[name] else { return nil }
                    return (at, event)
                }
                let watcher = events.compactMap { at, event -> Double? in
                    event.extra["observed_at_s"]?.doubleValue.map { ($0 - at.timeIntervalSince1970) * 1000 }
                }
                let recorded = events.map { at, event in event.timestamp.timeIntervalSince(at) * 1000 }
                // File by file, on the same write: did the watcher's trigger see it before the poller's listing?
                let watcherFirst = events.filter { _, event in
                    guard let name = event.extra["payload"]?["name"]?.stringValue,
                          let observed = event.extra["observed_at_s"]?.doubleValue,
                          let polled = detections[name] else { return false }
                    return observed < polled.timeIntervalSince1970
                }.count
                let completed = written.completed, pokeStarts = pokes.all
                let bounds = names.compactMap { name -> PollingDetection? in
                    guard let detected = detections[name], let done = completed[name] else { return nil }
                    let previous = pokeStarts.last { $0 <= detected }.flatMap { finder in
                        pokeStarts.last { $0 < finder }
                    } ?? started
                    return PollingDetection(name: name, afterWriteCompletedMs: detected.timeIntervalSince(done) * 1000,
                                            pokeGapMs: detected.timeIntervalSince(previous) * 1000)
                }
                return (polling, watcher, recorded, bounds, watcherFirst)
            }
        }
        let streamMs = Date().timeIntervalSince(started) * 1000
        let polling = measurement("polling", pollingLatencies, wakeUps: sensor.pokes.current)
        let watcher = measurement("watcher", watcherLatencies, wakeUps: trigger.wakeUps.current)
        let watcherRecorded = measurement("watcher, recorded", recordedLatencies, wakeUps: trigger.wakeUps.current)
        for m in [polling, watcher] {
            timeline.note(String(format: "%@: detected %d/%d, latency p50 %.1f ms, max %.1f ms, wake-ups %d (%.1f per event)",
                                 m.approach, m.detected, names.count, m.p50Ms, m.maxMs, m.wakeUps, m.wakeUpsPerEvent))
        }
        timeline.note(String(format: "watcher: asset events recorded %d/%d, p50 %.1f ms, max %.1f ms after the write "
            + "(the wake-up, then the triggerer's queue and the hand-off to the scheduler)",
                             watcherRecorded.detected, names.count, watcherRecorded.p50Ms, watcherRecorded.maxMs))
        let pokeStarts = pokes.all
        let longestGap = zip(pokeStarts.dropFirst(), pokeStarts).map { $0.timeIntervalSince($1) * 1000 }.max() ?? 0
        let caught = pollingDetections.filter { $0.caughtByNextPoke }.count
        timeline.note(String(format: "polling: longest gap between pokes %.1f ms (interval + scheduling delay); "
            + "files caught by the first poke after they were complete: %d/%d", longestGap, caught, names.count))
        let delay = max(written.latest, longestGap - configuration.pokeInterval.inMilliseconds, 0)
        timeline.note(String(format: "the machine woke sleepers up to %.1f ms late (a busy machine stalls both "
            + "observers alike and blurs their latencies; compare runs where this is small)", delay))
        // The watcher is judged by when its asset event exists (what a DAG run can start from), not its wake-up.
        let recommendations = useCases.map { recommend($0, watcher: watcherRecorded) }
        for r in recommendations { timeline.note("use case \"\(r.useCase.name)\": \(r.choice) — \(r.reason)") }
        let outcome = Outcome(files: names.count, streamMilliseconds: streamMs, polling: polling, watcher: watcher,
                              watcherRecorded: watcherRecorded,
                              assetEvents: try await orchestrator.scheduler.assetEvents(for: asset.key).count,
                              watcherFirst: watcherFirst,
                              pollingDetections: pollingDetections, longestPokeGapMs: longestGap,
                              pollingSpanMs: ((pokeStarts.last ?? started).timeIntervalSince(pokeStarts.first ?? started)) * 1000,
                              schedulingDelayMs: delay,
                              recommendations: recommendations)
        let proved = [
            String(format: "latency p50 (noticed): watcher %.1f ms vs polling %.1f ms (poke interval %@); "
                + "the watcher saw %d of %d files first; its asset events were recorded at p50 %.1f ms",
                   watcher.p50Ms, polling.p50Ms, "\(configuration.pokeInterval)", watcherFirst, names.count,
                   watcherRecorded.p50Ms),
            String(format: "wake-ups over the %.0f ms stream: watcher %d (%.1f per event), polling %d (%.1f per event); "
                + "the poller's count grows with time (a poke per %@ interval, events or not), the watcher's with events",
                   streamMs, watcher.wakeUps, watcher.wakeUpsPerEvent, polling.wakeUps, polling.wakeUpsPerEvent,
                   "\(configuration.pokeInterval)"),
            "every file was detected by both: \(polling.detected == names.count && watcher.detected == names.count); "
                + "asset events stored: \(outcome.assetEvents) for \(names.count) files",
            "choices: " + recommendations.map { "\($0.useCase.name) → \($0.choice)" }.joined(separator: "; "),
        ]
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved)
    }
}

/// When each file's write started and when it returned, shared by the writer and the two observers.
final class WriteTimes: Sendable {
    private let times = Mutex<[String: Date]>([:])
    private let completions = Mutex<[String: Date]>([:])
    func record(_ name: String) { times.withLock { $0[name] = Date() } }
    func complete(_ name: String) { completions.withLock { $0[name] = Date() } }
    private let lateness = Mutex(0.0)
    /// Notes how late the writer woke (milliseconds after its planned gap); `latest` is the most.
    func late(_ milliseconds: Double) { lateness.withLock { $0 = max($0, milliseconds) } }
    var latest: Double { lateness.withLock { $0 } }
    var all: [String: Date] { times.withLock { $0 } }
    var completed: [String: Date] { completions.withLock { $0 } }
}

/// When each of the polling sensor's pokes started.
final class PokeTimes: Sendable {
    private let starts = Mutex<[Date]>([])
    func record() { starts.withLock { $0.append(Date()) } }
    var all: [Date] { starts.withLock { $0 } }
}
