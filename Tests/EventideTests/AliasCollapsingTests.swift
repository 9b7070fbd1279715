import Eventide
import EventideTesting
import Foundation
import Testing

@Suite(
    "Aliases emit once: one asset event for the same asset and extra through several aliases", .timeLimit(.minutes(2)))
struct AliasCollapsingTests {
    let report = try! Asset(uri: "s3://lake/report")
    let audit = try! Asset(uri: "s3://lake/audit")
    let daily = try! AssetAlias(name: "daily")
    let weekly = try! AssetAlias(name: "weekly")

    @Test(
        "a task emitting one asset with one extra through two aliases records ONE event with both source aliases; each alias consumer runs on it"
    )
    func collapsed() async throws {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("alias-collapse"))
        let producer = try DAG(
            "producer",
            tasks: [
                TaskDefinition("emit") { [report, audit, daily, weekly] _ in
                    TaskOutput(aliasEvents: [
                        .init(alias: daily, asset: report, extra: ["day": "mon"]),
                        .init(alias: weekly, asset: report, extra: ["day": "mon"]),
                        .init(alias: daily, asset: report, extra: ["day": "mon"]),  // the same alias twice: once
                        .init(alias: weekly, asset: report, extra: ["day": "tue"]),  // another extra: its own event
                        .init(alias: daily, asset: audit),  // another asset: its own event
                    ])
                }
            ])
        let onDaily = try DAG("on_daily", schedule: .on(daily), tasks: [TaskDefinition("t") { _ in .none }])
        let onWeekly = try DAG("on_weekly", schedule: .on(weekly), tasks: [TaskDefinition("t") { _ in .none }])
        try await orchestrator.register(dags: [producer, onDaily, onWeekly])
        try await orchestrator.withServices {
            try await orchestrator.scheduler.triggerRun("producer")
            _ = try await orchestrator.scheduler.waitForFinishedRuns(of: "producer", count: 1)
            _ = try await orchestrator.scheduler.waitForFinishedRuns(of: "on_daily", count: 1)
            _ = try await orchestrator.scheduler.waitForFinishedRuns(of: "on_weekly", count: 1)
        }
        let scheduler = orchestrator.scheduler
        let reports = try await scheduler.assetEvents(for: report.key)
        #expect(reports.count == 2, "mon through daily and weekly is one event; tue is another")
        let monday = try #require(reports.first { $0.extra["day"] == "mon" })
        #expect(monday.sourceAliases == ["daily", "weekly"])
        let tuesday = try #require(reports.first { $0.extra["day"] == "tue" })
        #expect(tuesday.sourceAliases == ["weekly"])
        #expect(try await scheduler.assetEvents(for: audit.key).map(\.sourceAliases) == [["daily"]])
        // Every alias consumer saw the collapsed event.
        let daily = try #require(try await scheduler.runs(of: "on_daily").first)
        let weekly = try #require(try await scheduler.runs(of: "on_weekly").first)
        #expect(daily.triggeringAssetEvents.contains { $0.id == monday.id })
        #expect(weekly.triggeringAssetEvents.contains { $0.id == monday.id })
        #expect(try await scheduler.allAssetEvents().count == 3)
    }

    @Test("an event with source aliases round-trips through JSON, and an older encoding without them decodes")
    func codable() throws {
        let event = AssetEvent(
            id: 1, asset: report.key, extra: [:], source: .api(messageId: nil), alias: nil,
            sourceAliases: ["daily", "weekly"], timestamp: Date(timeIntervalSince1970: 0))
        #expect(event.alias == "daily")
        #expect(try JSONDecoder().decode(AssetEvent.self, from: JSONEncoder().encode(event)) == event)
        let old =
            #"{"id":2,"asset":{"name":"r","uri":"r"},"extra":{},"source":{"api":{}},"alias":"daily","timestamp":0}"#
        let decoded = try JSONDecoder().decode(AssetEvent.self, from: Data(old.utf8))
        #expect(decoded.sourceAliases == ["daily"])
    }
}
