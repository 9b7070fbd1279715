import Eventide
import EventideTesting
import Foundation
import Testing
@testable import Ex117_01_01_watcher_basics
@testable import Ex117_01_02_watcher_config
@testable import Ex117_01_03_asset_with_watcher
@testable import Ex117_01_04_event_vs_polling
@testable import Ex117_01_05_watcher_lifecycle

@Suite("117.1.3 Asset Definition with Watcher", .timeLimit(.minutes(10)))
struct AssetWithWatcherTests {
    func run(files: Int = 2) async throws -> AssetWithWatcher.Outcome {
        try await AssetWithWatcher.run(.init(files: files), database: TemporaryDatabase.make("117_01_03")).outcome
    }

    @Test("117.1.3/1 an asset defined with an attached watcher records the watcher's events as its own")
    func assetWithAttachedWatcher() async throws {
        let outcome = try await run(files: 3)
        #expect(outcome.ordersEvents == 3)
        let folder = try TemporaryDatabase.folder("117_01_03_define")
        let asset = try AssetWithWatcher.watchedFolder(folder, name: "orders")
        #expect(asset.watchers.map(\.name) == ["orders_watcher"])
        #expect(asset.watchers[0].trigger is FileArrivalTrigger)
        _ = try ExampleProcess.checkCommandLine("117_01_03_asset_with_watcher", item: "117.1.3",
                                                badArguments: ["--files", "-2"], expectInError: "--files")
    }

    @Test("117.1.3/2 URI and watcher come from one folder and agree; a mismatched pair is detected")
    func uriAndWatcherTogether() async throws {
        let outcome = try await run()
        #expect(outcome.problemsInDefinitions.isEmpty)
        #expect(outcome.problemsInMismatched.count == 1)
        #expect(outcome.assets["orders"]?.hasPrefix("file:///") == true)
        #expect(outcome.assets["orders"]?.hasSuffix("/orders") == true, "normalised: no trailing slash")
    }

    @Test("117.1.3/3 each watcher's published status updates go registered → starting → running → stopped with the triggerer")
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
        #expect(outcome.auditEvents == 1, "the file that waited in audit/ was recorded once its watcher started")
    }
}
