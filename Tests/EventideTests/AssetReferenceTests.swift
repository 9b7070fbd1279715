import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Asset references: Asset.ref(name:) and Asset.ref(uri:) resolved when evaluated", .timeLimit(.minutes(2)))
struct AssetReferenceTests {
    let orders = try! Asset(name: "daily_orders", uri: "s3://lake/orders")
    let other = try! Asset(uri: "s3://lake/other")

    @Test("a reference holds only through the asset it names; unresolved, it is false")
    func evaluation() throws {
        let byName = try Asset.ref(name: "daily_orders")
        let byURI = try Asset.ref(uri: "S3://lake/orders/")  // normalised as Asset(uri:) normalises
        #expect(byURI == .uri("s3://lake/orders"))
        let resolved: [AssetReference: AssetKey] = [byName: orders.key, byURI: orders.key]
        #expect(byName.assetCondition.evaluate(updated: [orders.key], references: resolved))
        #expect(byURI.assetCondition.evaluate(updated: [orders.key], references: resolved))
        #expect(!byName.assetCondition.evaluate(updated: [other.key], references: resolved))
        #expect(!byName.assetCondition.evaluate(updated: [orders.key], references: [:]), "unresolved is false")
        let mixed = byName & other
        #expect(mixed.missing(updated: [other.key], references: [:]) == [.reference(byName)])
        #expect(mixed.evaluate(updated: [orders.key, other.key], references: resolved))
        #expect(mixed.description == "ref:name:daily_orders & s3://lake/other")
        let coded = try JSONDecoder().decode(AssetCondition.self, from: JSONEncoder().encode(mixed))
        #expect(coded == mixed)
    }

    @Test(
        "a DAG scheduled on a reference is registered without the asset and runs once the asset is registered and updated"
    )
    func schedulerResolvesAtEvaluation() async throws {
        let scheduler = Scheduler(database: try TemporaryDatabase.make("asset-ref"))
        let byName = try DAG(
            "by_name", schedule: .on(try Asset.ref(name: "daily_orders")), tasks: [TaskDefinition("t") { _ in .none }])
        let byURI = try DAG(
            "by_uri", schedule: .on(try Asset.ref(uri: "s3://lake/orders")), tasks: [TaskDefinition("t") { _ in .none }]
        )
        try await scheduler.register([byName, byURI], assets: [other])  // the referenced asset is not registered yet
        let before = try await scheduler.recordAssetEvent(other.key, source: .api(messageId: nil))
        #expect(before.queuedFor.isEmpty && before.createdRuns.isEmpty, "an unresolved reference waits on nothing")

        try await scheduler.register([], assets: [orders])  // the producer's project registers the asset
        let recorded = try await scheduler.recordAssetEvent(orders.key, source: .api(messageId: nil))
        #expect(recorded.queuedFor == ["by_name", "by_uri"])
        #expect(recorded.createdRuns.map(\.dagId).sorted() == ["by_name", "by_uri"])
        let run = try #require(try await scheduler.runs(of: "by_name").first)
        #expect(run.triggeringAssetEvents.map(\.id) == [recorded.event.id])
        #expect(await scheduler.consumers(of: orders.key) == ["by_name", "by_uri"])
    }
}
