import Eventide
import EventideCLI
import Foundation
import Synchronization

/// Drives the two observers of `EventVsPolling.swift` on one seeded stream of files, both at the same time:
/// per file, how late each noticed it; overall, how often each woke; then the choice per use case.
extension EventVsPolling {
    static let item = "117.1.4"
    static let title = "Event-Driven vs Polling Comparison"

    struct Configuration: Sendable {
        var files = 12
        var meanInterval: Duration = .milliseconds(60)
        var pokeInterval: Duration = .milliseconds(50)
        var seed: UInt64 = 11
        /// Stamps writes, detections and asset events alike, and times the writer's gaps and the pokes.
        var clock: EventideClock = .system
    }

    enum Observer: String, Codable, Sendable {
        /// The poller's listing showed the file.
        case polling
        /// The watcher's trigger was woken with the file (`TriggerEvent.observedAt`).
        case watcherNoticed = "watcher"
        /// The watcher's asset event was committed: noticed, plus the triggerer's queue and the hand-off.
        case watcherRecorded = "watcher, recorded"
    }

    struct Measurement: Codable, Sendable, Hashable {
        let observer: Observer
        let detected: Int
        /// Write started → detected, per file, in file order.
        let latenciesMs: [Double]
        let p50Ms: Double
        let maxMs: Double
        let wakeUps: Int
        let wakeUpsPerEvent: Double

        init(_ observer: Observer, _ latencies: [Double], wakeUps: Int) {
            let sorted = latencies.sorted()
            self.observer = observer
            detected = latencies.count
            latenciesMs = latencies
            p50Ms = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
            maxMs = sorted.last ?? 0
            self.wakeUps = wakeUps
            wakeUpsPerEvent = latencies.isEmpty ? 0 : Double(wakeUps) / Double(latencies.count)
        }
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
        let polling: Measurement
        let watcher: Measurement
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
        let pokeIntervalMs: Double
        /// Pokes that found no new file: the wake-ups polling pays whether anything happened or not.
        let emptyPokes: Int
        /// How late the machine woke a sleeper: the most a poke came after its interval, or a write after its
        /// gap. Near zero on a quiet machine; large when the thread pool was starved, and then both approaches'
        /// latencies are blurred by the same stalls.
        let schedulingDelayMs: Double
        let recommendations: [Recommendation]
    }

    static let useCases = [
        UseCase(
            name: "nightly export, 1 h SLA", eventsPerHour: 1, latencyBudgetSeconds: 3_600, pokeIntervalSeconds: 60),
        UseCase(
            name: "clickstream batches, 60 s SLA", eventsPerHour: 100_000, latencyBudgetSeconds: 60,
            pokeIntervalSeconds: 30),
        // A budget of seconds, not one: the watcher's worst asset event is judged against it, and a loaded machine
        // (a CI run with parallel suites) has stalled one for over a second.
        UseCase(name: "fraud alerts, 5 s SLA", eventsPerHour: 200, latencyBudgetSeconds: 5, pokeIntervalSeconds: 30),
    ]

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let clock = configuration.clock
        // Where the stream goes; emptied only once the store is known to be new (a refusal touches nothing).
        let folder = try database.folder("stream", fresh: false)
        let watched = try Watched(folder: folder, clock: clock)
        let orchestrator = Orchestrator(database: database, clock: clock)
        try await orchestrator.register(dags: [watched.consumer], assets: [watched.asset])
        try await orchestrator.requireFreshStore()
        _ = try database.folder("stream")

        var generator = SeededGenerator(seed: configuration.seed)
        let meanMs = configuration.meanInterval.inMilliseconds
        // Exponential gaps (a Poisson stream): -mean·ln(U).
        let gaps = (0..<configuration.files).map { _ in
            -meanMs * log(Double.random(in: Double.ulpOfOne..<1, using: &generator))
        }
        let names = (1...configuration.files).map { String(format: "event-%03d.json", $0) }
        let sensor = PollingSensor(pokeInterval: configuration.pokeInterval, timeout: .seconds(120), clock: clock)
        let poller = FolderPoller(folder: folder, sensor: sensor)
        let ledger = DetectionLedger(timeline: timeline, clock: clock)
        timeline.note(
            "\(configuration.files) files, mean gap \(Int(meanMs)) ms (seed \(configuration.seed)); "
                + "polling every \(configuration.pokeInterval) vs watcher (inotify), same folder, same time")

        let started = clock.now
        ledger.start()
        // Subscribed before anything is written: every asset event of the stream reaches the ledger as it is recorded.
        let recorded = orchestrator.scheduler.recordedAssetEvents()
        try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "stream_watcher", state: .running)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {  // the poller
                    var known: Set<String> = []
                    while known.count < names.count {
                        let fresh = try await poller.newFiles(besides: known) { ledger.poke() }
                        known.formUnion(fresh)
                        ledger.polled(fresh)  // one successful poke per wait
                    }
                }
                group.addTask {  // the watcher's asset events, as the scheduler records them
                    try await WaitDeadline.default.enforce(
                        waitingFor: "an asset event for each of \(names.count) files"
                    ) {
                        for await event in recorded where event.asset == watched.asset.key {
                            if ledger.recorded(event) == names.count { return }
                        }
                    }
                }
                group.addTask {  // the stream: the time is noted just before each write (which takes microseconds)
                    for (gap, name) in zip(gaps, names) {
                        let asleep = clock.now
                        try await clock.sleep(for: .milliseconds(gap))
                        ledger.writerLate(asleep.duration(to: clock.now).inMilliseconds - gap)
                        ledger.writing(name)
                        try Data("{}".utf8).write(to: folder.appendingPathComponent(name))
                        ledger.written(name)
                    }
                }
                try await group.waitForAll()
            }
            _ = try await orchestrator.scheduler.waitForFinishedRuns(of: watched.consumer.dagId, count: names.count)
        }
        let streamMs = started.duration(to: clock.now).inMilliseconds
        let outcome = measure(
            ledger.snapshot, names: names, configuration: configuration, streamMs: streamMs,
            pokes: sensor.pokes.current, inotifyWakeUps: watched.trigger.wakeUps.current,
            assetEvents: try await orchestrator.scheduler.assetEvents(for: watched.asset.key).count)
        narrate(outcome, timeline: timeline)
        return ExampleReport(
            item: item, title: title, outcome: outcome, timeline: timeline,
            proved: proved(outcome, pokeInterval: configuration.pokeInterval))
    }

    /// The figures, from what the ledger recorded during the stream.
    static func measure(
        _ times: DetectionLedger.Times, names: [String], configuration: Configuration, streamMs: Double,
        pokes: Int, inotifyWakeUps: Int, assetEvents: Int
    ) -> Outcome {
        func since(_ name: String, _ date: Date?) -> Double? {
            guard let start = times.writeStarted[name], let date else { return nil }
            return date.timeIntervalSince(start) * 1000
        }
        let polling = Measurement(.polling, names.compactMap { since($0, times.polled[$0]) }, wakeUps: pokes)
        let watcher = Measurement(
            .watcherNoticed, names.compactMap { since($0, times.noticed[$0]) }, wakeUps: inotifyWakeUps)
        let watcherRecorded = Measurement(
            .watcherRecorded, names.compactMap { since($0, times.recorded[$0]) },
            wakeUps: inotifyWakeUps)
        let watcherFirst = names.filter { name in
            guard let noticed = times.noticed[name], let polled = times.polled[name] else { return false }
            return noticed < polled
        }.count
        let pokeStarts = times.pokes
        let detections = names.compactMap { name -> PollingDetection? in
            guard let detected = times.polled[name], let done = times.writeCompleted[name] else { return nil }
            // The poke that found it is the last to start before the detection; the gap is from the one before.
            let finder = pokeStarts.lastIndex { $0 <= detected } ?? 0
            let previous = finder > 0 ? pokeStarts[finder - 1] : times.startedAt
            return PollingDetection(
                name: name, afterWriteCompletedMs: detected.timeIntervalSince(done) * 1000,
                pokeGapMs: detected.timeIntervalSince(previous) * 1000)
        }
        let longestGap = zip(pokeStarts.dropFirst(), pokeStarts).map { $0.timeIntervalSince($1) * 1000 }.max() ?? 0
        let span =
            if let first = pokeStarts.first, let last = pokeStarts.last { last.timeIntervalSince(first) * 1000 } else {
                0.0
            }
        let interval = configuration.pokeInterval.inMilliseconds
        // The watcher is judged by when its asset event exists (what a DAG run can start from), not its wake-up.
        let recommendations = useCases.map {
            recommend(
                $0, watcherWakeUpsPerEvent: watcherRecorded.wakeUpsPerEvent,
                watcherWorstSeconds: watcherRecorded.maxMs / 1000)
        }
        return Outcome(
            files: names.count, streamMilliseconds: streamMs, polling: polling, watcher: watcher,
            watcherRecorded: watcherRecorded, assetEvents: assetEvents, watcherFirst: watcherFirst,
            pollingDetections: detections, longestPokeGapMs: longestGap, pollingSpanMs: span,
            pokeIntervalMs: interval, emptyPokes: pokes - times.successfulPokes,
            schedulingDelayMs: max(times.writerLateMs, longestGap - interval, 0),
            recommendations: recommendations)
    }

    /// The summary lines, noted once the stream is over and the figures exist.
    static func narrate(_ outcome: Outcome, timeline: Timeline) {
        for m in [outcome.polling, outcome.watcher] {
            timeline.note(
                String(
                    format: "%@: detected %d/%d, latency p50 %.1f ms, max %.1f ms, wake-ups %d (%.1f per event)",
                    m.observer.rawValue, m.detected, outcome.files, m.p50Ms, m.maxMs, m.wakeUps, m.wakeUpsPerEvent))
        }
        let recorded = outcome.watcherRecorded
        timeline.note(
            String(
                format: "watcher: asset events recorded %d/%d, p50 %.1f ms, max %.1f ms after the write "
                    + "(the wake-up, then the triggerer's queue and the hand-off to the scheduler)",
                recorded.detected, outcome.files, recorded.p50Ms, recorded.maxMs))
        let caught = outcome.pollingDetections.filter(\.caughtByNextPoke).count
        timeline.note(
            String(
                format: "polling: longest gap between pokes %.1f ms (interval + scheduling delay); "
                    + "files caught by the first poke after they were complete: %d/%d", outcome.longestPokeGapMs,
                caught,
                outcome.files))
        timeline.note(
            String(
                format: "the machine woke sleepers up to %.1f ms late (a busy machine stalls both "
                    + "observers alike and blurs their latencies; compare runs where this is small)",
                outcome.schedulingDelayMs))
        for r in outcome.recommendations {
            timeline.note("use case \"\(r.useCase.name)\": \(r.choice.rawValue) — \(explain(r.reason))")
        }
    }

    static func explain(_ reason: Reason) -> String {
        switch reason {
        case .pollingOverBudget(let worst, let budget):
            "polling can be \(fmt(worst)) s late, over the \(fmt(budget)) s budget"
        case .watcherWakesLess(let watcher, let polling):
            "\(fmt(watcher)) wake-ups/h instead of \(fmt(polling)), within budget"
        case .pollingWakesLess(let polling, let events):
            "\(fmt(polling)) polls/h batch \(fmt(events)) events/h for fewer wake-ups, within budget"
        }
    }

    static func fmt(_ value: Double) -> String {
        value >= 100 || value == value.rounded() ? String(Int(value.rounded())) : String(format: "%.2f", value)
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome, pokeInterval: Duration) -> [String] {
        let (polling, watcher, recorded) = (outcome.polling, outcome.watcher, outcome.watcherRecorded)
        let caught = outcome.pollingDetections.filter(\.caughtByNextPoke).count
        return [
            String(
                format: "latency p50 (noticed): watcher %.1f ms vs polling %.1f ms (poke interval %@); "
                    + "the watcher saw %d of %d files first; its asset events were recorded at p50 %.1f ms",
                watcher.p50Ms, polling.p50Ms, "\(pokeInterval)", outcome.watcherFirst, outcome.files, recorded.p50Ms),
            String(
                format: "wake-ups: watcher %d for %d files (%.1f per file); polling %d over its %.0f ms span "
                    + "(interval %.0f ms), %d of which found nothing new",
                watcher.wakeUps, outcome.files, watcher.wakeUpsPerEvent, polling.wakeUps, outcome.pollingSpanMs,
                outcome.pokeIntervalMs, outcome.emptyPokes),
            "the poller was at most one gap between pokes late for \(caught) of \(outcome.files) files",
            "every file was detected by both: \(polling.detected == outcome.files && watcher.detected == outcome.files); "
                + "asset events stored: \(outcome.assetEvents) for \(outcome.files) files",
            "choices from the measured watcher figures: "
                + outcome.recommendations.map { "\($0.useCase.name) → \($0.choice.rawValue)" }.joined(separator: "; "),
        ]
    }
}

/// What happened to each file, stamped on the scenario's clock as it happens: when its write started and
/// returned, when a poke listed it, when the watcher's trigger noticed it and when its asset event was recorded.
/// The moment both observers have a file, its line is noted.
final class DetectionLedger: Sendable {
    struct Times: Sendable {
        var startedAt = Date.distantPast
        var writeStarted: [String: Date] = [:], writeCompleted: [String: Date] = [:]
        var polled: [String: Date] = [:], noticed: [String: Date] = [:], recorded: [String: Date] = [:]
        /// When each poke started, in order, and how many pokes found new files.
        var pokes: [Date] = []
        var successfulPokes = 0
        /// The most the writer woke after its planned gap.
        var writerLateMs = 0.0
    }

    private let times = Mutex(Times())
    private let timeline: Timeline
    private let clock: EventideClock

    init(timeline: Timeline, clock: EventideClock) {
        self.timeline = timeline
        self.clock = clock
    }

    var snapshot: Times { times.withLock { $0 } }

    func start() { let now = clock.date; times.withLock { $0.startedAt = now } }
    func poke() { let now = clock.date; times.withLock { $0.pokes.append(now) } }
    func writing(_ name: String) { let now = clock.date; times.withLock { $0.writeStarted[name] = now } }
    func written(_ name: String) { let now = clock.date; times.withLock { $0.writeCompleted[name] = now } }
    func writerLate(_ milliseconds: Double) { times.withLock { $0.writerLateMs = max($0.writerLateMs, milliseconds) } }

    func polled(_ names: Set<String>) {
        let now = clock.date
        let snapshot = times.withLock { times in
            for name in names { times.polled[name] = now }
            times.successfulPokes += 1
            return times
        }
        for name in names.sorted() { noteIfBoth(name, snapshot) }
    }

    /// Records the watcher's asset event for a file; returns how many files the watcher has recorded.
    func recorded(_ event: AssetEvent) -> Int {
        guard let name = event.extra["payload"]?["name"]?.stringValue else { return snapshot.recorded.count }
        let noticed = event.extra["observed_at_s"]?.doubleValue.map { Date(timeIntervalSince1970: $0) }
        let snapshot = times.withLock { times in
            times.recorded[name] = event.timestamp
            times.noticed[name] = noticed
            return times
        }
        noteIfBoth(name, snapshot)
        return snapshot.recorded.count
    }

    private func noteIfBoth(_ name: String, _ times: Times) {
        guard let start = times.writeStarted[name], let polled = times.polled[name],
            let noticed = times.noticed[name], let recorded = times.recorded[name]
        else { return }
        let ms = { (date: Date) in date.timeIntervalSince(start) * 1000 }
        timeline.note(
            String(
                format: "%@: watcher noticed it after %.1f ms (asset event after %.1f ms), "
                    + "the poller after %.1f ms", name, ms(noticed), ms(recorded), ms(polled)))
    }
}
