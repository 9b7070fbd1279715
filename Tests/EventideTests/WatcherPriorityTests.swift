import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Several watchers on one asset: priority within a window, duplicates dropped", .timeLimit(.minutes(2)))
struct WatcherPriorityTests {
    let names = ["queue", "drop", "log"]  // highest priority first
    let window = Duration.seconds(10)

    struct Fixture {
        let orchestrator: Orchestrator
        let clock: TestClock
        let triggers: [String: ManualTrigger]
        let orders: Asset

        func fire(_ watcher: String, order: String?, message: String) {
            let payload: JSONValue = order.map { ["order_id": .string($0)] } ?? ["note": "no id"]
            triggers[watcher]?.fire(payload, messageId: message)
        }

        /// Waits until the arbiter has taken `count` deliveries from `watcher` (it answers only when decided).
        func offered(_ watcher: String, _ count: Int) async throws {
            try await WaitDeadline.default.enforce(waitingFor: "\(count) offer(s) from \(watcher)") {
                while await orchestrator.triggerer.arbitration(of: orders.key)?[watcher]?.offered ?? 0 < count {
                    try await Task.sleep(for: .milliseconds(2))
                }
            }
        }
    }

    func fixture(prioritized: Bool = true) async throws -> Fixture {
        let clock = TestClock()
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("priority"), clock: EventideClock(clock))
        let triggers = Dictionary(uniqueKeysWithValues: names.map { ($0, ManualTrigger(name: $0)) })
        let orders = try Asset(uri: "s3://lake/orders").watched(
            by: names.compactMap { name in triggers[name].map { AssetWatcher(name: name, trigger: $0) } })
        let consumer = try DAG(
            "consumer", schedule: .on([orders]), assetTriggering: .perEvent, tasks: [TaskDefinition("t") { _ in .none }]
        )
        try await orchestrator.register(dags: [consumer], assets: [orders])
        if prioritized {
            await orchestrator.triggerer.prioritize(
                orders.key,
                try WatcherPriority(order: names, window: window) { $0["payload"]?["order_id"]?.stringValue })
        }
        return Fixture(orchestrator: orchestrator, clock: clock, triggers: triggers, orders: orders)
    }

    func running(_ fixture: Fixture) async throws {
        for name in names { _ = try await fixture.orchestrator.triggerer.waitFor(watcher: name, state: .running) }
    }

    @Test("copies within the window: the highest-priority source wins though it came last; all are acknowledged")
    func priorityWins() async throws {
        let f = try await fixture()
        let triggerer = f.orchestrator.triggerer
        let events = try await f.orchestrator.withServices {
            try await running(f)
            let sleepers = f.clock.sleeperCount
            f.fire("log", order: "A", message: "l1")
            try await f.clock.waitForSleepers(sleepers + 1)  // the window of A is open
            f.fire("drop", order: "A", message: "d1")
            try await f.offered("drop", 1)
            f.fire("queue", order: "A", message: "q1")
            try await f.offered("queue", 1)
            await f.clock.advance(by: window)
            _ = try await triggerer.waitFor(watcher: "queue") { $0.eventsRecorded == 1 }
            _ = try await triggerer.waitFor(watcher: "log") { $0.duplicates == 1 }
            _ = try await triggerer.waitFor(watcher: "drop") { $0.duplicates == 1 }
            // A late copy (the window is closed, A recorded): dropped at once as a duplicate, no window.
            f.fire("drop", order: "A", message: "d2")
            _ = try await triggerer.waitFor(watcher: "drop") { $0.duplicates == 2 }
            return try await f.orchestrator.scheduler.assetEvents(for: f.orders.key)
        }
        let event = try #require(events.first)
        #expect(events.count == 1)
        #expect(event.source == .watcher(name: "queue", messageId: "q1"))
        #expect(event.extra["arbitration"]?["winner"] == "queue")
        #expect(event.extra["arbitration"]?["offered_by"] == ["log", "drop", "queue"])
        let counts = try #require(await triggerer.arbitration(of: f.orders.key))
        #expect(counts["queue"]?.won == 1 && counts["log"]?.outranked == 1 && counts["drop"]?.outranked == 1)
        #expect(counts["drop"]?.duplicates == 1)
        #expect(f.triggers["log"]?.acknowledged == ["l1"] && f.triggers["drop"]?.acknowledged == ["d1", "d2"])
        #expect(f.triggers["queue"]?.acknowledged == ["q1"])
        #expect(try await f.orchestrator.scheduler.runs(of: "consumer").count == 1)
    }

    @Test("a lone copy from a low-priority source is recorded when its window closes; no business key: at once")
    func loneAndUnkeyed() async throws {
        let f = try await fixture()
        let triggerer = f.orchestrator.triggerer
        let sources = try await f.orchestrator.withServices {
            try await running(f)
            f.fire("log", order: nil, message: "l0")  // no business key: not arbitrated
            _ = try await triggerer.waitFor(watcher: "log") { $0.eventsRecorded == 1 }
            let sleepers = f.clock.sleeperCount
            f.fire("log", order: "B", message: "l1")
            try await f.clock.waitForSleepers(sleepers + 1)
            await f.clock.advance(by: window)
            _ = try await triggerer.waitFor(watcher: "log") { $0.eventsRecorded == 2 }
            return try await f.orchestrator.scheduler.assetEvents(for: f.orders.key).map(\.source)
        }
        #expect(sources == [.watcher(name: "log", messageId: "l0"), .watcher(name: "log", messageId: "l1")])
    }

    @Test("without a priority the same copies are three asset events and three runs")
    func unprioritized() async throws {
        let f = try await fixture(prioritized: false)
        let count = try await f.orchestrator.withServices {
            try await running(f)
            for name in names { f.fire(name, order: "A", message: "\(name)-1") }
            for name in names {
                _ = try await f.orchestrator.triggerer.waitFor(watcher: name) { $0.eventsRecorded == 1 }
            }
            return try await f.orchestrator.scheduler.assetEvents(for: f.orders.key).count
        }
        #expect(count == 3)
        #expect(await f.orchestrator.triggerer.arbitration(of: f.orders.key) == nil)
    }

    @Test("an order naming a watcher twice is refused")
    func invalid() {
        #expect(throws: WatcherPriorityError.self) {
            try WatcherPriority(order: ["a", "a"], window: .zero) { _ in nil }
        }
        #expect(throws: WatcherPriorityError.self) { try WatcherPriority(order: [], window: .zero) { _ in nil } }
    }
}
