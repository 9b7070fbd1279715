import Eventide
import EventideCLI
import Foundation

/// Drives `MultipleWatchers.swift`: the same five orders are sent, some through several sources at once and one
/// again after it was recorded, to an asset whose watchers are prioritized and to one whose are not. Per order:
/// the asset events and runs it made; per source: deliveries, recorded, dropped (outranked, late duplicates).
extension MultipleWatchers {
    static let item = "117.5.1"
    static let title = "Multiple Watchers per Asset"

    struct Configuration: Sendable {
        /// How long a copy waits for better-ranked copies of the same order.
        var window: Duration = .seconds(1)
    }

    enum Channel: String, Codable, Sendable, CaseIterable { case queue, file, log }

    /// One business order of the story and the sources that deliver it.
    struct Order: Sendable {
        let id: String
        let amount: Double
        /// Sent at once, in this order.
        let via: [Channel]
        /// Sent again through this source after the order was recorded.
        var late: Channel? = nil
        let says: String
    }

    static let story: [Order] = [
        Order(id: "O-1001", amount: 120, via: [.log, .file, .queue], says: "all three sources, the queue's copy last"),
        Order(id: "O-1002", amount: 75.5, via: [.log, .file], says: "no queue copy: the file drop outranks the log"),
        Order(id: "O-1003", amount: 42, via: [.log], says: "the log alone"),
        Order(id: "O-1004", amount: 310, via: [.queue], late: .file, says: "a file copy after it was recorded"),
        Order(id: "O-1005", amount: 18.25, via: [.queue, .log], says: "queue and log"),
    ]

    /// What one order made on one variant.
    struct OrderResult: Codable, Sendable, Hashable {
        let orderId: String
        let sentVia: [Channel]
        let lateVia: Channel?
        /// The channels of the asset events recorded for it, in event order.
        let recordedVia: [Channel]
        let eventIds: [Int64]
        /// The sources that offered a copy within the window (prioritized variant), ranked.
        let offeredBy: [String]
        let runs: Int
    }

    /// What happened to one source's deliveries.
    struct SourceCounts: Codable, Sendable, Hashable {
        let watcher: String
        let delivered: Int
        let recorded: Int
        /// Dropped as duplicates, of which outranked within a window and arriving after the order was recorded.
        let dropped: Int
        let outranked: Int
        let late: Int
    }

    struct Variant: Codable, Sendable, Hashable {
        let asset: String
        let prioritized: Bool
        let orders: [OrderResult]
        let sources: [SourceCounts]
        let assetEvents: Int
        let runs: Int

        func order(_ id: String) -> OrderResult? { orders.first { $0.orderId == id } }
        func source(_ watcher: String) -> SourceCounts? { sources.first { $0.watcher == watcher } }
    }

    struct Outcome: Codable, Sendable {
        let windowMilliseconds: Int
        let prioritized: Variant
        let unprioritized: Variant
    }

    static func run(_ configuration: Configuration = .init(), database: EventideDatabase) async throws
        -> ExampleReport<Outcome>
    {
        let timeline = Timeline()
        let orchestrator = Orchestrator(database: database)
        let queues = EmbeddedQueue(database: database)
        let setups = try [("orders", true), ("orders_plain", false)].map { name, prioritized in
            Setup(
                name: name, prioritized: prioritized,
                sources: Sources(
                    queues: queues, queue: name.replacingOccurrences(of: "_", with: "-"),
                    folder: try database.folder("drop-\(name)"), log: orchestrator.log, topic: name))
        }
        let assets = try setups.map { try orders($0.name, sources: $0.sources) }
        try await orchestrator.register(
            dags: try zip(setups, assets).map { try consumer($0.dagId, on: $1) }, assets: assets)
        try await orchestrator.requireFreshStore()
        for setup in setups {
            try await queues.createQueue(setup.sources.queue)
            try await orchestrator.log.createTopic(setup.sources.topic)
            if setup.prioritized {
                await orchestrator.triggerer.prioritize(
                    setup.assetKey, try priority(of: setup.name, window: configuration.window))
            }
        }
        let variants = try await orchestrator.withServices {
            var variants: [Variant] = []
            for setup in setups {
                variants.append(try await setup.play(orchestrator: orchestrator, timeline: timeline))
            }
            return variants
        }
        let outcome = Outcome(
            windowMilliseconds: Int(configuration.window / .milliseconds(1)), prioritized: variants[0],
            unprioritized: variants[1])
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// One variant: an asset with the three watchers, prioritized or not, and its consumer.
    struct Setup: Sendable {
        let name: String
        let prioritized: Bool
        let sources: Sources

        var dagId: String { "process_\(name)" }
        var assetKey: AssetKey { AssetKey(name: name, uri: "eventide://orders/\(name)") }

        func watcher(_ channel: Channel) -> String {
            let names = watchers(of: name)
            return switch channel {
            case .queue: names.queue
            case .file: names.drop
            case .log: names.log
            }
        }

        func play(orchestrator: Orchestrator, timeline: Timeline) async throws -> Variant {
            let triggerer = orchestrator.triggerer, scheduler = orchestrator.scheduler
            for channel in Channel.allCases {
                _ = try await triggerer.waitFor(watcher: watcher(channel), state: .running)
            }
            timeline.note(
                "\(name): watchers \(Channel.allCases.map(watcher).joined(separator: ", ")) "
                    + (prioritized ? "prioritized in that order, deduplicated by order_id" : "without a priority"))
            var handled: [Channel: Int] = [:]
            var results: [OrderResult] = []
            for order in story {
                let before = try await scheduler.assetEvents(for: assetKey).count
                let ledger = try await RunLedger(scheduler, dags: [dagId])
                try await send(order, via: order.via, handled: &handled, triggerer: triggerer)
                if let late = order.late { try await send(order, via: [late], handled: &handled, triggerer: triggerer) }
                try await scheduler.waitUntilIdle(dagId)
                let events = Array(try await scheduler.assetEvents(for: assetKey).dropFirst(before))
                let via = events.compactMap { $0.extra["channel"]?.stringValue.flatMap(Channel.init) }
                let offered = (events.first?.extra["arbitration"]?["offered_by"]?.arrayValue ?? [])
                    .compactMap(\.stringValue)
                let ranked = Channel.allCases.map(watcher).filter(offered.contains)
                let result = OrderResult(
                    orderId: order.id, sentVia: order.via, lateVia: order.late, recordedVia: via,
                    eventIds: events.map(\.id), offeredBy: ranked, runs: try await ledger.newRuns(of: dagId).count)
                results.append(result)
                timeline.note(
                    "  \(order.id) (\(order.says)) via \(order.via.map(\.rawValue).joined(separator: ", "))"
                        + (order.late.map { ", later \($0.rawValue)" } ?? "") + " → "
                        + (prioritized
                            ? "recorded from \(via.map(\.rawValue).joined(separator: ", ")) (in the window: "
                                + ranked.joined(separator: ", ") + ")"
                            : "\(events.count) asset event(s) from "
                                + via.map(\.rawValue).sorted().joined(separator: ", "))
                        + "; \(result.runs) run(s)")
            }
            let counts = await triggerer.arbitration(of: assetKey) ?? [:]
            var sources: [SourceCounts] = []
            for channel in Channel.allCases {
                let name = watcher(channel)
                let status = await triggerer.status(of: name)
                sources.append(
                    SourceCounts(
                        watcher: name, delivered: status?.eventsSeen ?? 0, recorded: status?.eventsRecorded ?? 0,
                        dropped: status?.duplicates ?? 0, outranked: counts[name]?.outranked ?? 0,
                        late: counts[name]?.duplicates ?? 0))
            }
            let variant = Variant(
                asset: name, prioritized: prioritized, orders: results, sources: sources,
                assetEvents: try await scheduler.assetEvents(for: assetKey).count,
                runs: try await scheduler.runs(of: dagId).count)
            for source in sources {
                timeline.note(
                    "  \(source.watcher): delivered \(source.delivered), recorded \(source.recorded), dropped as "
                        + "duplicates \(source.dropped) (outranked \(source.outranked), late \(source.late))")
            }
            timeline.note("  \(name): \(variant.assetEvents) asset events, \(variant.runs) runs of \(dagId)")
            return variant
        }

        /// Sends the order through each channel at once, then waits until each of those watchers has handled it
        /// (recorded, or dropped once its window was decided).
        func send(_ order: Order, via channels: [Channel], handled: inout [Channel: Int], triggerer: Triggerer)
            async throws
        {
            let body: JSONValue = ["order_id": .string(order.id), "amount": .number(order.amount)]
            for channel in channels {
                handled[channel, default: 0] += 1
                switch channel {
                case .queue: _ = try await sources.queues.send(sources.queue, body: body.jsonText)
                case .file:
                    // Written aside, then moved in: the watcher sees a complete file.
                    let file = "\(order.id)-\(handled[channel] ?? 0).json"
                    let staging = sources.folder.appendingPathComponent(".\(file)")
                    try Data(body.jsonText.utf8).write(to: staging)
                    try FileManager.default.moveItem(at: staging, to: sources.folder.appendingPathComponent(file))
                case .log:
                    try await sources.log.append(
                        try EventEnvelope(type: "order.placed", source: "shop", data: body), to: sources.topic)
                }
            }
            for channel in Set(channels) {
                let expected = handled[channel] ?? 0
                _ = try await triggerer.waitFor(watcher: watcher(channel)) {
                    $0.eventsRecorded + $0.duplicates + $0.deadLettered >= expected
                }
            }
        }
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let p = outcome.prioritized, u = outcome.unprioritized
        let copies = { (v: Variant) in v.sources.map(\.delivered).reduce(0, +) }
        let oneEach = p.orders.allSatisfy { $0.eventIds.count == 1 && $0.runs == 1 }
        let winners = p.orders.map { "\($0.orderId) \($0.recordedVia.map(\.rawValue).joined())" }
        return [
            "three watchers on one asset: \(copies(p)) deliveries of \(story.count) orders from "
                + p.sources.map { "\($0.watcher) \($0.delivered)" }.joined(separator: ", "),
            "priority (window \(outcome.windowMilliseconds) ms, queue > file > log): recorded "
                + winners.joined(separator: ", "),
            "deduplicated by order_id: \(p.assetEvents) asset events and \(p.runs) runs for \(story.count) orders "
                + "(one each: \(oneEach)); dropped: "
                + p.sources.map { "\($0.watcher) \($0.outranked) outranked + \($0.late) late" }.joined(separator: ", "),
            "without a priority the same deliveries made \(u.assetEvents) asset events and \(u.runs) runs",
        ]
    }
}
