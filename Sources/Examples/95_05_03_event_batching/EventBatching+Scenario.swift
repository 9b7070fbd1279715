import Eventide
import EventideCLI
import Foundation
import Synchronization

/// Drives `EventBatching.swift`: the four ways a batch closes and the last partial batch on one batcher, then the
/// throughput and latency of the same consumer at several batch sizes.
extension EventBatching {
    static let item = "95.5.3"
    static let title = "Event Batching"

    struct Configuration: Sendable {
        /// Clicks per measured batch size.
        var events = 400
        /// The batch sizes measured.
        var sizes = [1, 10, 100]
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        /// `--db` named a store whose clicks topic an earlier run filled.
        case storeUsed(path: String, records: Int)

        var description: String {
            switch self {
            case .storeUsed(let path, let records):
                "the database \(path) already holds \(records) click record(s) from an earlier run; the example "
                    + "starts from an empty store: pass --db a new file, or omit --db"
            }
        }
    }

    /// One batch as the consumer stored it.
    struct BatchRecord: Codable, Sendable, Hashable {
        let sequence: Int
        let clicks: [Int]
        let bytes: Int
        let reason: BatchCloseReason
        let acknowledged: Bool
    }

    /// One measured batch size.
    struct Measurement: Codable, Sendable, Hashable {
        let batchSize: Int
        let batches: Int
        let clicks: Int
        let clicksPerSecond: Double
        /// From a batch's first click taken to its commit, per batch: median and worst, in milliseconds.
        let medianLatencyMilliseconds: Double
        let maxLatencyMilliseconds: Double
    }

    struct Outcome: Codable, Sendable {
        let limits: BatchLimits
        let batches: [BatchRecord]
        /// Clicks sent, and clicks in the log after the run, in order.
        let sent: [Int]
        let stored: [Int]
        /// Log transactions: one per batch.
        let acknowledgedClicks: [Int]
        let measurements: [Measurement]
    }

    /// The window is a tumbling window from the batcher's start. The closings run on a `ManualClock`: the window
    /// passes when the scenario advances it, after the small clicks wait, so its tick cannot fall among the large
    /// clicks however slow the machine is (on the system clock, loaded CI runs closed one of their batches by window).
    static let limits = BatchLimits(maxCount: 10, maxBytes: 1_024, window: .seconds(1))

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let log = EventLog(database: database)
        let used = (try? await log.readAll(topic: "clicks").count) ?? 0
        if used > 0 { throw ScenarioError.storeUsed(path: database.path, records: used) }
        try await log.createTopic("clicks")

        // The four closings and the last batch, on one batcher whose window timer runs on a manual clock.
        let window = ManualClock()
        let feed = ClickFeed()
        let flush = BatchFlush()
        let acknowledged = Mutex<[Int]>([])
        let batcher = batcher(
            maxCount: limits.maxCount, maxBytes: limits.maxBytes, window: limits.window, clock: EventideClock(window)
        ) { clicks in acknowledged.withLock { $0 += clicks.map(\.id) } }
        let (arrivals, arrived) = AsyncStream.makeStream(of: BatchRecord.self)
        var records: [BatchRecord] = []
        async let consumed: Void = consume(feed, batcher: batcher, flushes: flush, log: log) { batch in
            let record = BatchRecord(
                sequence: batch.sequence, clicks: batch.elements.map(\.id), bytes: batch.bytes, reason: batch.reason,
                acknowledged: batch.isAcknowledged)
            timeline.note(
                "batch \(batch.sequence) closed by \(batch.reason.rawValue): \(batch.elements.count) click(s) "
                    + "#\(batch.elements.first?.id ?? 0)–#\(batch.elements.last?.id ?? 0), \(batch.bytes) bytes, "
                    + "stored in one transaction and acknowledged")
            arrived.yield(record)
        }
        var next = arrivals.makeAsyncIterator()
        var id = 0
        func send(_ count: Int, page: (Int) -> String) {
            for _ in 0..<count {
                id += 1
                feed.send(Click(id: id, page: page(id)))
            }
        }
        let small = { (n: Int) in "/p/\(n)" }
        let large = { (n: Int) in "/search?q=" + String(repeating: "x", count: 380) + "&n=\(n)" }
        timeline.note("25 small clicks (about 40 bytes each) → two full batches by size, the rest waits for the window")
        send(25, page: small)
        for _ in 1...2 { if let record = await next.next() { records.append(record) } }
        await feed.waitUntilTaken(id)
        try await window.waitForSleepers()
        timeline.note(
            "the window (\(limits.window ?? .zero)) passes on the batcher's clock with "
                + "\(id - records.flatMap(\.clicks).count) click(s) waiting")
        await window.advance(by: limits.window ?? .zero)
        if let record = await next.next() { records.append(record) }
        timeline.note("6 large clicks (about 420 bytes each) → batches close before 1024 bytes would be passed")
        send(6, page: large)
        for _ in 1...2 { if let record = await next.next() { records.append(record) } }
        await feed.waitUntilTaken(id)
        timeline.note("explicit flush with \(id - records.flatMap(\.clicks).count) click(s) waiting")
        flush()
        if let record = await next.next() { records.append(record) }
        send(3, page: small)
        await feed.waitUntilTaken(id)
        timeline.note("shutdown with 3 clicks waiting: the source ends")
        feed.finish()
        try await consumed
        arrived.finish()
        while let record = await next.next() { records.append(record) }
        let stored = try await log.readAll(topic: "clicks").compactMap { $0.event.data["id"]?.intValue }

        // Throughput and latency per batch size.
        var measurements: [Measurement] = []
        for size in configuration.sizes {
            measurements.append(try await measure(batchSize: size, events: configuration.events, database: database))
        }
        timeline.note(
            "measured \(configuration.events) clicks at batch sizes "
                + configuration.sizes.map(String.init).joined(separator: ", "))

        let outcome = Outcome(
            limits: limits, batches: records, sent: Array(1...id), stored: stored,
            acknowledgedClicks: acknowledged.withLock { $0 }, measurements: measurements)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// `events` clicks, all waiting, through the consumer with batches of `batchSize` into a topic of their own.
    static func measure(batchSize: Int, events: Int, database: EventideDatabase) async throws -> Measurement {
        let log = EventLog(database: database)
        let clock = EventideClock.system
        let feed = ClickFeed()
        for n in 1...events { feed.send(Click(id: n, page: "/p/\(n)")) }
        feed.finish()
        let latencies = Mutex<[Duration]>([])
        let batches = Mutex(0)
        let batcher = batcher(
            maxCount: batchSize, maxBytes: nil, window: .milliseconds(50), clock: clock, acknowledge: { _ in })
        let topic = "clicks_by_\(batchSize)"
        try await log.createTopic(topic)
        let start = clock.now
        for try await batch in batcher.batches(of: feed, flushes: BatchFlush()) {
            try await log.append(
                try batch.elements.map { click in
                    LogAppend(
                        try EventEnvelope(type: "web.click", source: "tracker", data: ["id": .number(Double(click.id))])
                    )
                },
                to: topic)
            try await batch.acknowledge()
            let committed = clock.now
            latencies.withLock { $0.append(batch.openedAt.duration(to: committed)) }
            batches.withLock { $0 += 1 }
        }
        let elapsed = start.duration(to: clock.now)
        let sorted = latencies.withLock { $0 }.sorted()
        let milliseconds = { (duration: Duration) in duration / .milliseconds(1) }
        return Measurement(
            batchSize: batchSize, batches: batches.withLock { $0 }, clicks: events,
            clicksPerSecond: Double(events) / max(elapsed / .seconds(1), 1e-9),
            medianLatencyMilliseconds: sorted.isEmpty ? 0 : milliseconds(sorted[sorted.count / 2]),
            maxLatencyMilliseconds: sorted.last.map(milliseconds) ?? 0)
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let reasons = outcome.batches.map { "\($0.clicks.count) by \($0.reason.rawValue)" }
        let oneDecimal = { (value: Double) in String(format: "%.1f", value) }
        return [
            "batches: " + reasons.joined(separator: ", ") + "; every batch within \(outcome.limits.maxCount) clicks: "
                + "\(outcome.batches.allSatisfy { $0.clicks.count <= outcome.limits.maxCount }); within "
                + "\(outcome.limits.maxBytes ?? 0) bytes: \(outcome.batches.allSatisfy { $0.bytes <= outcome.limits.maxBytes ?? .max })",
            "clicks sent \(outcome.sent.count), stored \(outcome.stored.count) in order, none twice: "
                + "\(outcome.stored == outcome.sent); acknowledged per batch \(outcome.batches.filter(\.acknowledged).count) "
                + "of \(outcome.batches.count), clicks acknowledged \(outcome.acknowledgedClicks.count)",
            "the last partial batch at shutdown: \(outcome.batches.last.map { "\($0.clicks.count) click(s)" } ?? "none") "
                + "(\(outcome.batches.last?.reason.rawValue ?? "-"))",
            "throughput and latency per batch size (one transaction per batch):",
        ]
            + outcome.measurements.map { measurement in
                "| batch size \(measurement.batchSize) | \(measurement.batches) batches | "
                    + "\(Int(measurement.clicksPerSecond.rounded())) clicks/s | latency median "
                    + "\(oneDecimal(measurement.medianLatencyMilliseconds)) ms, max \(oneDecimal(measurement.maxLatencyMilliseconds)) ms |"
            }
    }
}
