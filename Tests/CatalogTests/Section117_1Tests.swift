import Eventide
import EventideTesting
import Foundation
import Testing
@testable import Ex117_01_01_watcher_basics

@Suite("117.1.1 AssetWatcher Concept Introduction")
struct WatcherBasicsTests {
    func run(files: Int = 3, spacing: Int = 120) async throws -> WatcherBasics.Outcome {
        try await WatcherBasics.run(.init(files: files, spacing: .milliseconds(spacing), pokeInterval: .milliseconds(30)),
                                    database: TemporaryDatabase.make("117_01_01")).outcome
    }

    @Test("117.1.1/1 a sensor's run is active for the whole wait and polls; a watcher's runs only do the work")
    func watcherVersusSensor() async throws {
        let outcome = try await run(files: 3, spacing: 120)
        #expect(outcome.sensor.runs == 3 && outcome.watcher.runs == 3)
        #expect(outcome.sensor.runActiveMilliseconds >= 3 * 120 * 0.8, "each sensor run waited ~spacing")
        #expect(outcome.watcher.runActiveMilliseconds * 5 < outcome.sensor.runActiveMilliseconds)
        #expect(outcome.sensor.wakeUps >= 3 * 3, "poking every 30 ms through 120 ms waits")
        #expect(outcome.sensor.filesHandled == WatcherBasics.fileNames(3))
        _ = try ExampleProcess.checkCommandLine("117_01_01_watcher_basics", item: "117.1.1",
                                                badArguments: ["--files", "0"], expectInError: "--files")
    }

    @Test("117.1.1/2 the watcher is defined on the asset it feeds, and registered from it")
    func watcherOnAsset() async throws {
        let outcome = try await run(files: 1, spacing: 10)
        #expect(outcome.definition.assetURI.hasPrefix("file:///"))
        #expect(outcome.definition.assetURI.hasSuffix("/landing-watched"))
        #expect(outcome.definition.watcherName == "landing_watcher")
        #expect(outcome.definition.statusAtEnd == .stopped, "it ran, and stopped with the services")
        let watcher = AssetWatcher(name: "w", trigger: ManualTrigger())
        let asset = try Asset(uri: "file:///landing", watchers: [watcher])
        #expect(asset.watchers.map(\.name) == ["w"])
        #expect(asset == (try Asset(uri: "file:///landing")), "watchers are not part of the asset's identity")
    }

    @Test("117.1.1/3 the file trigger turns each arrival into one asset event whose extra describes the file")
    func triggerSource() async throws {
        let outcome = try await run(files: 3, spacing: 40)
        #expect(outcome.watcher.assetEvents == 3)
        #expect(outcome.watcherEventExtras.compactMap { $0["payload"]?["name"]?.stringValue } == WatcherBasics.fileNames(3))
        #expect(outcome.watcherEventExtras.allSatisfy { $0["payload"]?["size"] == 14 })
        #expect(outcome.watcher.wakeUps >= 3)
    }

    @Test("117.1.1/4 no run exists until a file arrives; then one run per arrival, in order")
    func eventDrivenScheduling() async throws {
        let outcome = try await run(files: 4, spacing: 40)
        #expect(outcome.watcherRunsBeforeFirstFile == 0)
        #expect(outcome.watcherRunFiles == WatcherBasics.fileNames(4))
    }
}
