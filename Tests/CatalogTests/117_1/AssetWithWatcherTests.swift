import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex117_01_03_asset_with_watcher

@Suite("117.1.3 Asset Definition with Watcher", .timeLimit(.minutes(10)))
struct AssetWithWatcherTests {
    func run(files: Int = 2) async throws -> AssetWithWatcher.Outcome {
        let database = try TemporaryDatabase.make("117_01_03")
        // The store's temporary folder holds the folders the example writes too: remove it all.
        defer {
            try? FileManager.default.removeItem(at: URL(fileURLWithPath: database.path).deletingLastPathComponent())
        }
        return try await AssetWithWatcher.run(.init(files: files), database: database).outcome
    }

    @Test("117.1.3/1 an asset defined with an attached watcher records the watcher's events as its own")
    func assetWithAttachedWatcher() async throws {
        let outcome = try await run(files: 3)
        #expect(outcome.ordersEvents == 3 && outcome.ordersRuns == 3)
        let folder = try TemporaryDatabase.folder("117_01_03_define")
        defer { try? FileManager.default.removeItem(at: folder) }
        let asset = try AssetWithWatcher.watchedFolder(folder, name: "orders")
        #expect(asset.watchers.map(\.name) == ["orders_watcher"])
        let trigger = try #require(asset.watchers.first?.trigger as? FileArrivalTrigger)
        #expect(trigger.suffixes == [".csv"])
        _ = try ExampleProcess.checkCommandLine(
            "117_01_03_asset_with_watcher", item: "117.1.3",
            badArguments: ["--files", "-2"], expectInError: "--files")
    }

    @Test("117.1.3/2 URI and watcher come from one folder and agree; a mismatched pair is detected")
    func uriAndWatcherTogether() async throws {
        let outcome = try await run()
        #expect(outcome.mismatchesInDefinitions.isEmpty)
        let mismatch = try #require(outcome.mismatchesInTypo.first)
        #expect(outcome.mismatchesInTypo.count == 1)
        #expect(mismatch.watcher == "typo_watcher" && mismatch.asset == "orders_typo")
        #expect(mismatch.watchedPath.hasSuffix("/audit") && mismatch.assetURI == outcome.assets["orders"])
        #expect(outcome.assets["orders"]?.hasPrefix("file:///") == true)
        #expect(outcome.assets["orders"]?.hasSuffix("/orders") == true, "normalised: no trailing slash")
    }

    @Test(
        "117.1.3/3 each watcher's published status updates go registered → starting → running → stopped with the triggerer"
    )
    func lifecycle() async throws {
        let outcome = try await run()
        #expect(outcome.transitions["orders_watcher"] == [.registered, .starting, .running, .stopped])
        #expect(outcome.transitions["audit_watcher"] == [.registered, .starting, .running, .stopped])
        #expect(outcome.transitions == outcome.history, "the published updates and the kept history tell one story")
    }

    @Test("117.1.3/4 watchers are registered when a DAG scheduled on their asset is parsed, once")
    func registrationOnParse() async throws {
        let outcome = try await run()
        #expect(outcome.watchersAfterFirstParse == ["orders_watcher"], "audit has no consumer yet")
        #expect(outcome.watchersAfterReparse == ["orders_watcher"], "parsing again registers nothing twice")
        #expect(outcome.watchersAfterAuditConsumer == ["audit_watcher", "orders_watcher"])
        #expect(!outcome.auditWatcherRegisteredWhenFileWritten)
        #expect(
            outcome.auditEventFiles == ["audit-1.csv"],
            "the file that waited in audit/ was recorded once its watcher started")
    }

    @Test("117.1.3/4 a reused --db is refused instead of counting two runs' asset events and runs")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { try await AssetWithWatcher.run(.init(), database: $0) }
    }
}
