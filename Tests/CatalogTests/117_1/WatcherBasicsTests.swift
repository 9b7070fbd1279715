import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex117_01_01_watcher_basics

@Suite("117.1.1 AssetWatcher Concept Introduction", .timeLimit(.minutes(10)))
struct WatcherBasicsTests {
    func configuration(files: Int, spacing: Int) -> WatcherBasics.Configuration {
        .init(files: files, spacing: .milliseconds(spacing), pokeInterval: .milliseconds(30))
    }

    func run(files: Int = 3, spacing: Int = 120) async throws -> WatcherBasics.Outcome {
        let database = try TemporaryDatabase.make("117_01_01")
        // The store's temporary folder holds the folders the example writes too: remove it all.
        defer {
            try? FileManager.default.removeItem(at: URL(fileURLWithPath: database.path).deletingLastPathComponent())
        }
        return try await WatcherBasics.run(configuration(files: files, spacing: spacing), database: database).outcome
    }

    @Test("117.1.1/1 a sensor's run is active for the whole wait and polls; a watcher's runs never wait")
    func watcherVersusSensor() async throws {
        let outcome = try await run(files: 3, spacing: 120)
        #expect(outcome.sensor.runs == 3 && outcome.watcher.runs == 3)
        // Each sensor run was running for `spacing` before its file was written (the example writes it only
        // then); a watcher's run is created from the file's event, so none of its time is waiting.
        #expect(outcome.sensor.waitingMilliseconds >= 3 * 120, "each sensor run waited at least the spacing")
        #expect(outcome.sensor.runActiveMilliseconds >= outcome.sensor.waitingMilliseconds)
        #expect(outcome.watcher.waitingMilliseconds == 0, "no watcher run existed before its file")
        #expect(
            outcome.sensor.wakeUps > outcome.sensor.runs, "each run found no file on its first poke and poked again")
        #expect(outcome.sensor.filesHandled == WatcherBasics.fileNames(3))
        _ = try ExampleProcess.checkCommandLine(
            "117_01_01_watcher_basics", item: "117.1.1",
            badArguments: ["--files", "0"], expectInError: "--files")
    }

    @Test("117.1.1/2 the watcher is defined on the asset it feeds, registered from it, and stopped with the services")
    func watcherOnAsset() async throws {
        let outcome = try await run(files: 1, spacing: 10)
        #expect(outcome.definition.assetURI.hasPrefix("file:///"))
        #expect(outcome.definition.assetURI.hasSuffix("/landing-watched"))
        #expect(outcome.definition.watcherName == "landing_watcher")
        #expect(outcome.definition.statusAtEnd == .stopped, "the triggerer has its status: it ran, and stopped")
        let folder = try TemporaryDatabase.folder("117_01_01_define")
        defer { try? FileManager.default.removeItem(at: folder) }
        let asset = try WatcherBasics.landingAsset(folder)
        #expect(asset.watchers.map(\.name) == ["landing_watcher"])
        let trigger = try #require(asset.watchers.first?.trigger as? FileArrivalTrigger)
        #expect(trigger.directory.standardizedFileURL == folder.standardizedFileURL)
        #expect(asset == (try Asset(uri: asset.uri, name: asset.name)), "watchers are not part of the asset's identity")
    }

    @Test("117.1.1/3 the file trigger turns each arrival into one asset event whose extra describes the file")
    func triggerSource() async throws {
        let outcome = try await run(files: 3, spacing: 40)
        #expect(outcome.watcher.assetEvents == 3)
        #expect(
            outcome.watcherEventExtras.compactMap { $0["payload"]?["name"]?.stringValue } == WatcherBasics.fileNames(3))
        #expect(outcome.watcherEventExtras.allSatisfy { $0["payload"]?["size"] == 14 })
        #expect(outcome.watcher.wakeUps >= 3)
    }

    @Test("117.1.1/4 no run exists until a file arrives; then one run per arrival, in order")
    func eventDrivenScheduling() async throws {
        let outcome = try await run(files: 4, spacing: 40)
        #expect(outcome.watcherRunsBeforeFirstFile == 0)
        #expect(outcome.watcherRunFiles == WatcherBasics.fileNames(4))
        #expect(outcome.watcher.filesHandled == WatcherBasics.fileNames(4))
    }

    @Test("117.1.1/4 a reused --db is refused instead of counting two runs' runs and events")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore {
            try await WatcherBasics.run(configuration(files: 1, spacing: 10), database: $0)
        }
    }
}
