import Eventide
import EventideCLI
import Foundation

/// Drives `EventDeduplication.swift`: one seeded payment stream with redeliveries and producer retries injected,
/// replayed through a naive consumer and deduplicating ones (three key choices, a restart in the middle, an
/// in-memory set for contrast); a crash between charge and key for each strategy; two full windows.
extension EventDeduplication {
    static let item = "95.5.1"
    static let title = "Event Deduplication"

    struct Configuration: Sendable {
        var orders = 12
        var redeliveries = 4
        var producerRetries = 3
        var seed: UInt64 = 7
        /// The time to live of the small windows that show expiry (real time: the example waits it out).
        var timeToLive: Duration = .milliseconds(1_000)
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        /// `--db` names a store an earlier run charged on: the counts would mix two runs.
        case storeNotEmpty(path: String, charges: Int)

        var description: String {
            switch self {
            case .storeNotEmpty(let path, let charges):
                "the database \(path) already holds \(charges) charge(s) from an earlier run; the example counts "
                    + "charges from an empty store: pass --db a new file, or omit --db for a temporary one"
            }
        }
    }

    enum DeliveryKind: String, Codable, Sendable { case original, redelivery, producerRetry = "producer_retry" }

    struct Delivery: Sendable {
        let kind: DeliveryKind
        let event: EventEnvelope
    }

    enum ConsumerKind: String, Codable, Sendable, CaseIterable {
        case naive
        case eventId = "event_id"
        case orderId = "order_id"
        case fieldsHash = "fields_hash"
        /// order_id keys in a Swift `Set`, lost when the consumer restarts half-way.
        case inMemoryRestarted = "in_memory_set_restarted"
        /// order_id keys in the store, the consumer restarted half-way on a reopened store.
        case persistedRestarted = "order_id_restarted"
    }

    struct ConsumerResult: Codable, Sendable, Hashable {
        let consumer: ConsumerKind
        let deliveries: Int
        let charges: Int
        let ordersCharged: Int
        /// Charges beyond one per order.
        var extraCharges: Int { charges - ordersCharged }
    }

    struct StreamSummary: Codable, Sendable, Hashable {
        let orders: Int, originals: Int, redeliveries: Int, producerRetries: Int
        let kinds: [DeliveryKind]
    }

    struct RestartResult: Codable, Sendable, Hashable {
        let restartedAfter: Int
        /// Deliveries after the restart whose key the store recorded before it, and that it skipped.
        let skippedAcrossRestart: Int
        /// The same deliveries, charged again by the in-memory set.
        let chargedAgainByInMemorySet: Int
    }

    struct CrashResult: Codable, Sendable, Hashable {
        let strategy: Strategy
        let crashed: Bool
        /// Charges of the order after the crash and its redelivery.
        let charges: Int
    }

    enum WindowFate: String, Codable, Sendable { case applied, duplicate, refused }

    struct WindowStep: Codable, Sendable, Hashable {
        let key: String
        let afterTimeToLive: Bool
        let fate: WindowFate
        let evicted: [String]
    }

    struct WindowResult: Codable, Sendable, Hashable {
        let whenFull: DeduplicationWindow.Overflow
        let capacity: Int
        let timeToLiveMilliseconds: Int
        let steps: [WindowStep]
        let effects: Int
        let uniqueKeys: Int
        let counts: Deduplicator.Counts
    }

    struct Outcome: Codable, Sendable {
        let stream: StreamSummary
        let consumers: [ConsumerResult]
        let restart: RestartResult
        let crashes: [CrashResult]
        let windows: [WindowResult]
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let hour = try DeduplicationWindow(timeToLive: .seconds(3_600), capacity: 100_000, whenFull: .evictOldest)
        let store = Deduplicator(database: database, scope: "store", window: hour)
        let used = try await store.write { tx in
            try tx.execute(
                "CREATE TABLE IF NOT EXISTS charge(consumer TEXT NOT NULL, order_id TEXT NOT NULL, amount_cents INTEGER)"
            )
            return try tx.integer("SELECT COUNT(*) FROM charge") ?? 0
        }
        guard used == 0 else { throw ScenarioError.storeNotEmpty(path: database.path, charges: used) }

        let deliveries = try stream(configuration)
        let summary = StreamSummary(
            orders: configuration.orders, originals: deliveries.count { $0.kind == .original },
            redeliveries: deliveries.count { $0.kind == .redelivery },
            producerRetries: deliveries.count { $0.kind == .producerRetry }, kinds: deliveries.map(\.kind))
        timeline.note(
            "stream: \(deliveries.count) deliveries of \(summary.orders) payments — \(summary.redeliveries) "
                + "redeliveries (same event id), \(summary.producerRetries) producer retries (new event id)")

        var consumers: [ConsumerResult] = []
        for delivery in deliveries { try await naive(delivery.event, store: store) }
        consumers.append(try await result(.naive, deliveries.count, store, timeline))
        for (kind, choice) in [
            (ConsumerKind.eventId, KeyChoice.eventId), (.orderId, .orderId), (.fieldsHash, .fieldsHash),
        ] {
            let window = Deduplicator(database: database, scope: kind.rawValue, window: hour)
            for delivery in deliveries {
                _ = try await deduplicated(delivery.event, key: choice, consumer: kind.rawValue, window)
            }
            consumers.append(try await result(kind, deliveries.count, store, timeline, key: choice))
        }
        let restart = try await restartHalfWay(deliveries, database: database, window: hour, timeline: timeline)
        for kind in [ConsumerKind.inMemoryRestarted, .persistedRestarted] {
            consumers.append(try await result(kind, deliveries.count, store, timeline))
        }
        let crashes = try await crashBetweenChargeAndKey(deliveries, database: database, window: hour, timeline)
        var windows: [WindowResult] = []
        for overflow in DeduplicationWindow.Overflow.allCases {
            windows.append(try await fullWindow(overflow, configuration.timeToLive, database: database, timeline))
        }
        let outcome = Outcome(
            stream: summary, consumers: consumers, restart: restart, crashes: crashes, windows: windows)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// The payments in order, with redeliveries and producer retries inserted after their original at seeded
    /// positions.
    static func stream(_ configuration: Configuration) throws -> [Delivery] {
        var generator = SeededGenerator(seed: configuration.seed)
        var deliveries: [Delivery] = try (1...configuration.orders).map { n in
            let order = String(format: "o-%02d", n)
            let data: JSONValue = [
                "order_id": .string(order), "customer": .string("c-\(Int.random(in: 1...4, using: &generator))"),
                "amount_cents": .number(Double(Int.random(in: 5...200, using: &generator) * 100)),
            ]
            let event = try EventEnvelope(id: "evt-\(order)", type: "payment.requested", source: "/shop", data: data)
            return Delivery(kind: .original, event: event)
        }
        for (kind, count) in [
            (DeliveryKind.redelivery, configuration.redeliveries), (.producerRetry, configuration.producerRetries),
        ] {
            for n in 0..<count {
                let originals = deliveries.indices.filter { deliveries[$0].kind == .original }
                guard let index = originals.randomElement(using: &generator) else { break }
                var event = deliveries[index].event
                if kind == .producerRetry { event.id += "-retry\(n + 1)" }
                let position = Int.random(in: (index + 1)...deliveries.count, using: &generator)
                deliveries.insert(Delivery(kind: kind, event: event), at: position)
            }
        }
        return deliveries
    }

    static func result(
        _ kind: ConsumerKind, _ deliveries: Int, _ store: Deduplicator, _ timeline: Timeline, key: KeyChoice? = nil
    ) async throws -> ConsumerResult {
        let (charges, orders) = try await store.write { tx in
            (
                try tx.integer("SELECT COUNT(*) FROM charge WHERE consumer = ?", arguments: [.string(kind.rawValue)])
                    ?? 0,
                try tx.integer(
                    "SELECT COUNT(DISTINCT order_id) FROM charge WHERE consumer = ?",
                    arguments: [.string(kind.rawValue)]) ?? 0
            )
        }
        let result = ConsumerResult(consumer: kind, deliveries: deliveries, charges: charges, ordersCharged: orders)
        timeline.note(
            "\(kind.rawValue)\(key.map { " (key \($0.rawValue))" } ?? ""): \(deliveries) deliveries → \(charges) "
                + "charges for \(orders) orders, \(result.extraCharges) extra")
        return result
    }

    /// The order_id consumer stops half-way and starts again on a reopened store; an in-memory set does the same.
    static func restartHalfWay(
        _ deliveries: [Delivery], database: EventideDatabase, window: DeduplicationWindow, timeline: Timeline
    ) async throws -> RestartResult {
        let half = deliveries.count / 2
        let scope = ConsumerKind.persistedRestarted.rawValue
        let before = Deduplicator(database: database, scope: scope, window: window)
        var seenInMemory: Set<String> = []
        var keysBefore: Set<String> = []
        for delivery in deliveries[..<half] {
            let key = try KeyChoice.orderId.key.key(for: delivery.event)
            _ = try await deduplicated(delivery.event, key: .orderId, consumer: scope, before)
            keysBefore.insert(key)
            if seenInMemory.insert(key).inserted {
                try await before.write { try charge(delivery.event, by: ConsumerKind.inMemoryRestarted.rawValue, $0) }
            }
        }
        // The restart: a new handle on the same database file, a new deduplicator; the Set starts empty.
        let reopened = try EventideDatabase(path: database.path, durability: database.durability)
        let after = Deduplicator(database: reopened, scope: scope, window: window)
        seenInMemory = []
        timeline.note("order_id consumer and in-memory set restarted after delivery \(half) of \(deliveries.count)")
        var skippedAcross = 0
        var chargedAgain = 0
        for delivery in deliveries[half...] {
            let key = try KeyChoice.orderId.key.key(for: delivery.event)
            let charged = try await deduplicated(delivery.event, key: .orderId, consumer: scope, after)
            if !charged, keysBefore.contains(key), !seenInMemory.contains(key) { skippedAcross += 1 }
            if seenInMemory.insert(key).inserted {
                try await after.write { try charge(delivery.event, by: ConsumerKind.inMemoryRestarted.rawValue, $0) }
                if keysBefore.contains(key) { chargedAgain += 1 }
            }
        }
        return RestartResult(
            restartedAfter: half, skippedAcrossRestart: skippedAcross, chargedAgainByInMemorySet: chargedAgain)
    }

    /// For each strategy, the first delivery of one payment crashes between charge and key; the broker redelivers.
    static func crashBetweenChargeAndKey(
        _ deliveries: [Delivery], database: EventideDatabase, window: DeduplicationWindow, _ timeline: Timeline
    ) async throws -> [CrashResult] {
        guard let event = deliveries.first?.event else { return [] }
        var results: [CrashResult] = []
        for strategy in Strategy.allCases {
            let keys = Deduplicator(database: database, scope: strategy.rawValue, window: window)
            var crashed = false
            do { try await handle(event, strategy, keys, crash: true) } catch is Crash { crashed = true }
            try await handle(event, strategy, keys, crash: false)  // the redelivery
            let charges = try await keys.write { tx in
                try tx.integer(
                    "SELECT COUNT(*) FROM charge WHERE consumer = ?", arguments: [.string(strategy.rawValue)])
                    ?? 0
            }
            results.append(CrashResult(strategy: strategy, crashed: crashed, charges: charges))
            timeline.note(
                "\(strategy.rawValue): crash between charge and key\(crashed ? "" : " (did not happen)"), "
                    + "redelivery → \(event.data["order_id"]?.stringValue ?? "?") charged \(charges) time(s)")
        }
        return results
    }

    /// A window of 3 keys fed w-1…w-4, w-1, w-3, then (after the time to live) w-4 again.
    static func fullWindow(
        _ overflow: DeduplicationWindow.Overflow, _ ttl: Duration, database: EventideDatabase, _ timeline: Timeline
    ) async throws -> WindowResult {
        let scope = "window-\(overflow.rawValue)"
        // The window's time runs on a manual clock: the keys expire when the scenario moves it past the time to
        // live, not when a slow machine takes that long between two events.
        let clock = ManualClock(epoch: Date())
        let window = Deduplicator(
            database: database, scope: scope,
            window: try DeduplicationWindow(timeToLive: ttl, capacity: 3, whenFull: overflow),
            clock: EventideClock(clock))
        var steps: [WindowStep] = []
        for (key, late) in [1, 2, 3, 4, 1, 3].map({ ("w-\($0)", false) }) + [("w-4", true)] {
            if late { await clock.advance(by: ttl + .milliseconds(100)) }
            let event = try EventEnvelope(
                id: "\(key)-\(steps.count)", type: "payment.requested", source: "/shop",
                data: ["order_id": .string(key)])
            do {
                let result = try await window.process(event, key: KeyChoice.orderId.key) {
                    try charge(event, by: scope, $0)
                }
                switch result {
                case .applied(_, let evicted):
                    steps.append(WindowStep(key: key, afterTimeToLive: late, fate: .applied, evicted: evicted))
                case .skipped:
                    steps.append(WindowStep(key: key, afterTimeToLive: late, fate: .duplicate, evicted: []))
                }
            } catch DeduplicationError.windowFull {
                steps.append(WindowStep(key: key, afterTimeToLive: late, fate: .refused, evicted: []))
            }
        }
        let effects = try await window.write { tx in
            try tx.integer("SELECT COUNT(*) FROM charge WHERE consumer = ?", arguments: [.string(scope)]) ?? 0
        }
        let result = WindowResult(
            whenFull: overflow, capacity: 3, timeToLiveMilliseconds: Int(ttl.inMilliseconds), steps: steps,
            effects: effects, uniqueKeys: Set(steps.map(\.key)).count, counts: window.counts)
        timeline.note(
            "window \(overflow.rawValue) (3 keys, ttl \(result.timeToLiveMilliseconds) ms): "
                + steps.map { step in
                    (step.afterTimeToLive ? "[after ttl] " : "") + "\(step.key) \(step.fate.rawValue)"
                        + (step.evicted.isEmpty ? "" : " (evicts \(step.evicted.joined(separator: ", ")))")
                }.joined(separator: ", ") + " → \(effects) effects for \(result.uniqueKeys) keys")
        return result
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let row = { (kind: ConsumerKind) in outcome.consumers.first { $0.consumer == kind } }
        let render = { (kind: ConsumerKind) in
            row(kind).map { "\($0.charges) charges, \($0.extraCharges) extra" } ?? "not run"
        }
        let windows = outcome.windows.map { window in
            "\(window.whenFull.rawValue): \(window.effects) effects for \(window.uniqueKeys) keys "
                + "(evicted \(window.counts.evicted), expired \(window.counts.expired), refused \(window.counts.refused))"
        }
        return [
            "\(outcome.stream.kinds.count) deliveries of \(outcome.stream.orders) payments: naive \(render(.naive)); "
                + "event id key \(render(.eventId)) (producer retries carry new ids); order_id key \(render(.orderId)); "
                + "hash of fields \(render(.fieldsHash))",
            "restart after delivery \(outcome.restart.restartedAfter): the store skipped "
                + "\(outcome.restart.skippedAcrossRestart) duplicate(s) of keys recorded before it (\(render(.persistedRestarted))); "
                + "the in-memory set charged \(outcome.restart.chargedAgainByInMemorySet) again (\(render(.inMemoryRestarted)))",
            "crash between charge and key, then redelivery: "
                + outcome.crashes.map { "\($0.strategy.rawValue) charged \($0.charges)" }.joined(separator: ", "),
            "full windows: " + windows.joined(separator: "; "),
        ]
    }
}
