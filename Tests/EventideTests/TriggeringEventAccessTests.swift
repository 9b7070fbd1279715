import Eventide
import EventideTesting
import Foundation
import Synchronization
import Testing

@Suite(
    "Triggering events by asset, alias and reference; inlet events with after, before, limit", .timeLimit(.minutes(2)))
struct TriggeringEventAccessTests {
    let orders = try! Asset(name: "orders", uri: "s3://lake/orders")
    let refunds = try! Asset(uri: "s3://lake/refunds")
    let feed = try! AssetAlias(name: "feed")

    @Test("a task reads its run's triggering events by asset, by the alias they came through, and by reference")
    func byAssetAliasReference() async throws {
        struct Seen: Sendable { var byAsset: [Int64] = [], byAlias: [Int64] = [], byReference: [Int64] = [] }
        let seen = Mutex(Seen())
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("triggering-access"))
        let producer = try DAG(
            "producer",
            tasks: [
                TaskDefinition("emit") { [feed, refunds] _ in
                    TaskOutput(aliasEvents: [.init(alias: feed, asset: refunds, extra: ["n": 1])])
                }
            ])
        let reference = try Asset.ref(name: "orders")
        let consumer = try DAG(
            "consumer", schedule: .on(reference & feed),
            tasks: [
                TaskDefinition("read") { [orders, feed] context in
                    seen.withLock {
                        $0.byAsset = context.triggeringEvents(of: orders).map(\.id)
                        $0.byAlias = context.triggeringEvents(of: feed).map(\.id)
                        $0.byReference = context.triggeringEvents(of: reference).map(\.id)
                    }
                    return .none
                }
            ])
        try await orchestrator.register(dags: [producer, consumer], assets: [orders])
        let (order, refund) = try await orchestrator.withServices {
            let order = try await orchestrator.scheduler.recordAssetEvent(orders.key, source: .api(messageId: nil))
            try await orchestrator.scheduler.triggerRun("producer")
            let run = try #require(try await orchestrator.scheduler.waitForFinishedRuns(of: "consumer", count: 1).first)
            let refund = try #require(run.triggeringAssetEvents.first { $0.asset == refunds.key })
            return (order.event.id, refund.id)
        }
        let result = seen.withLock { $0 }
        #expect(result.byAsset == [order])
        #expect(result.byReference == [order])
        #expect(result.byAlias == [refund])
    }

    @Test("inlet events: ascending by default, after and before exclusive, limit, descending for the newest")
    func inletEventsFilters() async throws {
        struct Read: Sendable {
            var all: [Int64] = [], window: [Int64] = [], firstTwo: [Int64] = [], newest: [Int64] = []
        }
        let read = Mutex(Read())
        let t0 = Date(timeIntervalSince1970: 1_000)
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("inlet-events"))
        let reader = try DAG(
            "reader",
            tasks: [
                TaskDefinition("read", inlets: [orders]) { [orders] context in
                    let all = try await context.inletEvents(orders).map(\.id)
                    let window = try await context.inletEvents(
                        orders, after: t0, before: t0.addingTimeInterval(30)
                    ).map(\.id)
                    let firstTwo = try await context.inletEvents(orders, limit: 2).map(\.id)
                    let newest = try await context.inletEvents(orders, limit: 1, ascending: false).map(\.id)
                    read.withLock { $0 = Read(all: all, window: window, firstTwo: firstTwo, newest: newest) }
                    return .none
                }
            ])
        try await orchestrator.register(dags: [reader])
        var ids: [Int64] = []
        for seconds in [0.0, 10, 20, 30] {
            ids.append(
                try await orchestrator.scheduler.recordAssetEvent(
                    orders.key, source: .api(messageId: nil), at: t0.addingTimeInterval(seconds)
                ).event.id)
        }
        try await orchestrator.withServices {
            try await orchestrator.scheduler.triggerRun("reader")
            _ = try await orchestrator.scheduler.waitForFinishedRuns(of: "reader", count: 1)
        }
        let result = read.withLock { $0 }
        #expect(result.all == ids)
        #expect(result.window == Array(ids[1...2]))
        #expect(result.firstTwo == Array(ids[0...1]))
        #expect(result.newest == [ids[3]])
    }
}
