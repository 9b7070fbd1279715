import Eventide
import EventideCLI
import Foundation

/// Drives `EventRouting.swift`: the same nine shop events go through a watcher that filters (phase 1) and one that
/// does not (phase 2), one message at a time; each message's fate is recorded when the watcher has seen it and,
/// when it made a run, when that run finished.
extension EventRouting {
    static let item = "117.4.4"
    static let title = "Event Filtering and Routing"
    static let filteredDag = "route_shop_events"
    static let unfilteredDag = "route_raw_shop_events"

    /// How an example message ended up.
    enum Fate: String, Codable, Sendable {
        /// The watcher's filter dropped it: no asset event, no run.
        case filteredByWatcher = "filtered_by_watcher"
        /// It became an asset event and a run, which ran the chosen branches.
        case routed
        /// It became an asset event and a run in which every task was skipped.
        case skippedInRun = "skipped_in_run"
    }

    /// One message through one variant.
    struct Delivery: Codable, Sendable, Hashable {
        let message: Int
        let type: String
        let fate: Fate
        let assetEventId: Int64?
        let runId: String?
        /// The asset events the run consumed (one: the DAG runs once per event).
        let consumedEventIds: [Int64]
        /// Branch tasks that ran, and tasks skipped, in the DAG's order.
        let ran: [String]
        let skipped: [String]
    }

    struct Variant: Codable, Sendable, Hashable {
        let dagId: String
        let watcherFilters: Bool
        let deliveries: [Delivery]
        let filteredByWatcher: Int
        let assetEvents: Int
        let runs: Int
        /// Runs in which every task was skipped.
        let runsSkippingEverything: Int
    }

    struct Outcome: Codable, Sendable {
        let messages: [String]
        let filtered: Variant
        let unfiltered: Variant
        /// Per branch, how many runs of the filtered variant ran it.
        let branchRuns: [String: Int]
    }

    /// The shop's stream: orders, payments, a cancellation, a shipment nobody routes, heartbeats and test traffic.
    static func messages() throws -> [EventEnvelope] {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        func event(_ n: Int, _ type: String, _ data: JSONValue) throws -> EventEnvelope {
            try EventEnvelope(
                id: "evt-\(n)", type: type, source: "/shop", time: t0.addingTimeInterval(Double(n)), data: data)
        }
        return [
            try event(1, "order.placed", ["order": "o-1", "amount": 120]),
            try event(2, "payment.settled", ["order": "o-1", "amount": 120]),
            try event(3, "inventory.heartbeat", ["warehouse": "w-1"]),
            try event(4, "order.placed", ["order": "o-2", "amount": 2400]),
            try event(5, "payment.settled", ["order": "o-2", "amount": 2400]),
            try event(6, "order.placed", ["order": "o-test", "amount": 1, "test": true]),
            try event(7, "order.cancelled", ["order": "o-1"]),
            try event(8, "order.shipped", ["order": "o-2"]),
            try event(9, "inventory.heartbeat", ["warehouse": "w-2"]),
        ]
    }

    static func run(database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let queues = EmbeddedQueue(database: database)
        let relevant = try relevantFilter()
        let table = try routingTable()
        let shopEvents = try Asset(uri: "eventide://queue/shop-filtered", name: "shop_events")
        let rawShopEvents = try Asset(uri: "eventide://queue/shop-unfiltered", name: "shop_events_raw")
        let wait = Duration.milliseconds(50)
        let watched = shopEvents.watched(by: [
            filteringWatcher(
                "shop_events_watcher",
                trigger: queues.trigger(for: "shop-filtered", visibilityTimeout: nil, wait: wait),
                relevant: relevant)
        ])
        let rawWatched = rawShopEvents.watched(by: [
            AssetWatcher(
                name: "raw_shop_events_watcher",
                trigger: queues.trigger(for: "shop-unfiltered", visibilityTimeout: nil, wait: wait))
        ])
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(
            dags: [
                try router(filteredDag, on: shopEvents, relevant: relevant, table: table),
                try router(unfilteredDag, on: rawShopEvents, relevant: relevant, table: table),
            ], assets: [watched, rawWatched])
        try await orchestrator.requireFreshStore()
        for queue in ["shop-filtered", "shop-unfiltered"] { try await queues.createQueue(queue, QueueSettings()) }
        let messages = try messages()
        let outcome = try await orchestrator.withServices {
            let filtered = try await feed(
                messages, queue: "shop-filtered", watcher: "shop_events_watcher", dagId: filteredDag,
                asset: shopEvents.key,
                filters: true, queues: queues, orchestrator: orchestrator, timeline: timeline)
            let unfiltered = try await feed(
                messages, queue: "shop-unfiltered", watcher: "raw_shop_events_watcher", dagId: unfilteredDag,
                asset: rawShopEvents.key,
                filters: false, queues: queues, orchestrator: orchestrator, timeline: timeline)
            var branchRuns: [String: Int] = [:]
            for branch in branches {
                branchRuns[branch] = filtered.deliveries.filter { $0.ran.contains(branch) }.count
            }
            return Outcome(
                messages: messages.map(\.type), filtered: filtered, unfiltered: unfiltered, branchRuns: branchRuns)
        }
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// Sends the messages one at a time; after each, waits until the watcher has seen it and the DAG is idle, and
    /// records what became of it.
    static func feed(
        _ messages: [EventEnvelope], queue: String, watcher: String, dagId: String, asset: AssetKey, filters: Bool,
        queues: EmbeddedQueue, orchestrator: Orchestrator, timeline: Timeline
    ) async throws -> Variant {
        let scheduler = orchestrator.scheduler
        var deliveries: [Delivery] = []
        for (index, message) in messages.enumerated() {
            let ledger = try await RunLedger(scheduler, dags: [dagId])
            let body = String(decoding: try JSONEncoder().encode(message), as: UTF8.self)
            _ = try await queues.send(queue, body: body, attributes: ["type": message.type])
            // Recorded (and its run created, in the same transaction) or filtered: then wait for the run to end.
            let status = try await orchestrator.triggerer.waitFor(watcher: watcher) {
                $0.eventsRecorded + $0.filtered == index + 1
            }
            try await scheduler.waitUntilIdle(dagId)
            let created = try await ledger.newRuns(of: dagId)
            let delivery = deliveryRecord(index + 1, message, runs: created)
            deliveries.append(delivery)
            note(delivery, dagId: dagId, at: created.first?.endedAt ?? status.lastEventAt, timeline: timeline)
        }
        let runs = deliveries.filter { $0.runId != nil }
        return Variant(
            dagId: dagId, watcherFilters: filters, deliveries: deliveries,
            filteredByWatcher: deliveries.filter { $0.fate == .filteredByWatcher }.count,
            assetEvents: try await scheduler.assetEvents(for: asset).count,
            runs: runs.count, runsSkippingEverything: runs.filter { $0.fate == .skippedInRun }.count)
    }

    static func deliveryRecord(_ number: Int, _ message: EventEnvelope, runs: [DagRun]) -> Delivery {
        guard let run = runs.first else {
            return Delivery(
                message: number, type: message.type, fate: .filteredByWatcher, assetEventId: nil, runId: nil,
                consumedEventIds: [], ran: [], skipped: [])
        }
        let ran = run.taskInstances.filter { $0.state == .success && $0.taskId != "choose_branches" }.map(\.taskId)
        let skipped = run.taskInstances.filter { $0.state == .skipped }.map(\.taskId)
        return Delivery(
            message: number, type: message.type, fate: ran.isEmpty ? .skippedInRun : .routed,
            assetEventId: run.triggeringAssetEvents.first?.id, runId: run.runId,
            consumedEventIds: run.triggeringAssetEvents.map(\.id), ran: ran, skipped: skipped)
    }

    /// Notes a message's fate, stamped when its run ended (or when the watcher saw a filtered one).
    static func note(_ delivery: Delivery, dagId: String, at date: Date?, timeline: Timeline) {
        let head = "\(dagId): message \(delivery.message) \(delivery.type)"
        let text: String
        if let eventId = delivery.assetEventId {
            let consumed = delivery.consumedEventIds.map { "#\($0)" }.joined(separator: ", ")
            let tail =
                delivery.ran.isEmpty
                ? "every task skipped"
                : "ran \(delivery.ran.joined(separator: " + ")), skipped \(delivery.skipped.count) task(s)"
            text = "\(head) → asset event #\(eventId) → run consuming \(consumed): \(tail)"
        } else {
            text = "\(head) → filtered by the watcher: no asset event, no run"
        }
        if let date { timeline.note(text, at: date) } else { timeline.note(text) }
    }

    static func proved(_ outcome: Outcome) -> [String] {
        func line(_ variant: Variant) -> String {
            "\(variant.dagId) (watcher filters: \(variant.watcherFilters)): \(outcome.messages.count) messages, "
                + "\(variant.filteredByWatcher) filtered by the watcher, \(variant.assetEvents) asset events, "
                + "\(variant.runs) runs, \(variant.runsSkippingEverything) of them skipping every task"
        }
        let routed = outcome.filtered.deliveries.filter { $0.fate == .routed }
        return [
            line(outcome.filtered),
            line(outcome.unfiltered),
            "branch runs: "
                + branches.map { "\($0) \(outcome.branchRuns[$0] ?? 0)" }.joined(separator: ", ")
                + "; every routed run skipped the branches it did not choose: "
                + "\(routed.allSatisfy { $0.ran.count + $0.skipped.count == branches.count })",
        ]
    }
}
