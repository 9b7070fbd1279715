import Eventide
import EventideTesting
import Foundation
import Testing
@testable import Ex117_01_01_watcher_basics
@testable import Ex117_01_02_watcher_config
@testable import Ex117_01_03_asset_with_watcher
@testable import Ex117_01_04_event_vs_polling
@testable import Ex117_01_05_watcher_lifecycle

@Suite("117.1.1 AssetWatcher Concept Introduction")
struct WatcherBasicsTests {
    func run(files: Int = 3, spacing: Int = 120) async throws -> WatcherBasics.Outcome {
        try await WatcherBasics.run(.init(files: files, spacing: .milliseconds(spacing), pokeInterval: .milliseconds(30)),
                                    database: TemporaryDatabase.make("117_01_01")).outcome
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
        #expect(outcome.sensor.wakeUps > outcome.sensor.runs, "each run found no file on its first poke and poked again")
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

@Suite("117.1.2 Watcher Configuration Options")
struct WatcherConfigTests {
    func run(environment: [String: String] = [:]) async throws -> WatcherConfig.Outcome {
        try await WatcherConfig.run(.init(retries: 6, retryDelay: .milliseconds(20), sensorTimeout: .milliseconds(100),
                                          environment: environment),
                                    database: TemporaryDatabase.make("117_01_02")).outcome
    }

    @Test("117.1.2/1 restart policy: a watcher recovers after restarts, another fails when they run out; a deferred sensor times out")
    func timeoutAndRetry() async throws {
        let outcome = try await run()
        #expect(outcome.late.restarts >= 2)
        #expect(outcome.late.finalState == .running)
        #expect(outcome.late.eventsRecorded == 1)
        #expect(outcome.missing.finalState == .failed)
        #expect(outcome.missing.restarts == 1)
        #expect(outcome.missing.lastError?.contains("never-created") == true)
        #expect(outcome.sensorTaskState == .failed)
        #expect(outcome.sensorTries == 1, "a sensor timeout is final, not retried")
        #expect(outcome.sensorNote?.contains("did not fire") == true)
        _ = try ExampleProcess.checkCommandLine("117_01_02_watcher_config", item: "117.1.2",
                                                badArguments: ["--retries", "1"], expectInError: "--retries")
    }

    @Test("117.1.2/2 the trigger's suffix filter and the watcher's filter drop events before they are recorded")
    func filtering() async throws {
        let outcome = try await run()
        #expect(outcome.filtering.written.count == 4)
        #expect(outcome.filtering.seen == 3, "b.tmp never reaches the watcher")
        #expect(outcome.filtering.filtered == 1, "empty.csv is dropped by the size filter")
        #expect(outcome.filtering.recorded.sorted() == ["a.csv", "c.csv"])
    }

    @Test("117.1.2/3 the watcher's extract closure decides the asset event's extra")
    func metadataExtraction() async throws {
        let outcome = try await run()
        #expect(outcome.filtering.extras.allSatisfy { Set($0.keys) == ["file_name", "size_bytes", "landing_zone"] })
        #expect(outcome.filtering.extras.allSatisfy { $0["size_bytes"] == 5 && $0["landing_zone"] == "csv_zone" })
    }

    @Test("117.1.2/4 watchers find their folders through AIRFLOW_CONN_<ID> connections; unknown ids say what to set")
    func connectionReferences() async throws {
        let custom = try TemporaryDatabase.folder("custom-csv-zone")
        let outcome = try await run(environment: ["AIRFLOW_CONN_CSV_ZONE": "file://\(custom.path)"])
        #expect(outcome.connections["csv_zone"] == "file://\(custom.path)")
        #expect(FileManager.default.fileExists(atPath: custom.appendingPathComponent("a.csv").path),
                "the csv watcher watched the folder the connection named")
        #expect(outcome.filtering.recorded.sorted() == ["a.csv", "c.csv"])
        #expect(outcome.unknownConnectionError.contains("AIRFLOW_CONN_ARCHIVE_ZONE"))
    }
}

@Suite("117.1.3 Asset Definition with Watcher")
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

@Suite("117.1.4 Event-Driven vs Polling Comparison")
struct EventVsPollingTests {
    func run(files: Int = 10, pokeInterval: Int = 40) async throws -> EventVsPolling.Outcome {
        try await EventVsPolling.run(.init(files: files, meanInterval: .milliseconds(40),
                                           pokeInterval: .milliseconds(pokeInterval), seed: 3),
                                     database: TemporaryDatabase.make("117_01_04")).outcome
    }

    @Test("117.1.4/1 the poller and the watcher observe the same stream, and both see every file")
    func sameStream() async throws {
        let outcome = try await run()
        #expect(outcome.polling.detected == outcome.files)
        #expect(outcome.watcher.detected == outcome.files)
        #expect(outcome.assetEvents == outcome.files, "one asset event per file, none twice")
        #expect(outcome.polling.latenciesMs.allSatisfy { $0 >= 0 } && outcome.watcher.latenciesMs.allSatisfy { $0 >= 0 })
        _ = try ExampleProcess.checkCommandLine("117_01_04_event_vs_polling", item: "117.1.4",
                                                badArguments: ["--poke-interval", "0"], expectInError: "--poke-interval")
    }

    @Test("117.1.4/2 polling wakes once per interval whatever happens; the watcher about once per event")
    func resourceUsage() async throws {
        let outcome = try await run(files: 10, pokeInterval: 20)
        // Measured over the poller's own span (first to last poke): sleeps overshoot on a loaded machine, so the
        // lower bound is loose; the upper bound holds always: one poke per interval, plus one right after each
        // detection (a new wait starts with a poke), never busy polling.
        let intervals = outcome.pollingSpanMs / 20
        #expect(Double(outcome.polling.wakeUps) >= intervals * 0.3, "the poller kept waking through the stream")
        #expect(Double(outcome.polling.wakeUps) <= intervals + Double(outcome.files) + 1)
        #expect(outcome.watcher.wakeUps >= 1 && outcome.watcher.wakeUps <= outcome.files + 2)
        #expect(outcome.polling.wakeUps > outcome.watcher.wakeUps)
    }

    /// Latencies are compared on a run the machine did not disturb: a starved thread pool (tests running child
    /// processes, a build next door) stalls the writer and both observers together, and then says nothing about
    /// either. A run whose sleepers woke more than half an interval late is measured again, up to 5 runs in all.
    func undisturbedRuns(pokeInterval: Int) async throws -> [EventVsPolling.Outcome] {
        var outcomes: [EventVsPolling.Outcome] = []
        repeat {
            outcomes.append(try await run(files: 10, pokeInterval: pokeInterval))
        } while outcomes.last!.schedulingDelayMs > Double(pokeInterval) / 2 && outcomes.count < 5
        return outcomes
    }

    @Test("117.1.4/3 the watcher notices faster than polling, whose delay is bounded by the gap between pokes")
    func latency() async throws {
        let outcomes = try await undisturbedRuns(pokeInterval: 60)
        for outcome in outcomes {
            // Whatever the load: recording comes after noticing, for every file (a queue is never negative) …
            #expect(outcome.watcherRecorded.detected == outcome.files)
            #expect(outcome.watcherRecorded.p50Ms >= outcome.watcher.p50Ms
                    && outcome.watcherRecorded.maxMs >= outcome.watcher.maxMs)
            // … and the poller's delay is bounded by the gap between pokes as the machine scheduled them (the
            // interval, stretched by load), checked against the measured gaps, not a fixed number.
            #expect(outcome.pollingDetections.count == outcome.files)
            #expect(outcome.pollingDetections.allSatisfy { $0.caughtByNextPoke },
                    "no poke that started after a file was complete missed it: \(outcome.pollingDetections)")
            #expect(outcome.longestPokeGapMs >= 60 * 0.9, "a poke waits the interval before the next one")
        }
        let outcome = try #require(outcomes.last)
        let delays = outcomes.map(\.schedulingDelayMs)
        try #require(outcome.schedulingDelayMs <= 30,
                     "\(outcomes.count) runs in a row were disturbed by the machine (sleepers woke up to \(delays) ms late)")
        let context = "watcher \(outcome.watcher.latenciesMs), polling \(outcome.polling.latenciesMs)"
        // File by file on the same write (a stall delays both): the watcher saw most files first, and its
        // median stays under one poke interval, which bounds how late the poller can be.
        #expect(outcome.watcherFirst * 2 > outcome.files, "\(outcome.watcherFirst) of \(outcome.files): \(context)")
        #expect(outcome.watcher.p50Ms < 60, "\(context)")
    }

    @Test("117.1.4/4 the choice follows the latency budget first, then the wake-ups per hour")
    func chooseApproach() {
        let watcher = EventVsPolling.Measurement(approach: "watcher", detected: 10, latenciesMs: [], p50Ms: 1, maxMs: 5,
                                                 wakeUps: 10, wakeUpsPerEvent: 1)
        let choices = EventVsPolling.useCases.map { EventVsPolling.recommend($0, watcher: watcher).choice }
        #expect(choices == ["watcher", "polling", "watcher"])
        let tight = EventVsPolling.UseCase(name: "t", eventsPerHour: 1_000_000, latencyBudgetSeconds: 0.5,
                                           pokeIntervalSeconds: 1)
        #expect(EventVsPolling.recommend(tight, watcher: watcher).choice == "watcher",
                "a budget below the poke interval rules polling out, however cheap it is")
        let quiet = EventVsPolling.UseCase(name: "q", eventsPerHour: 2, latencyBudgetSeconds: 600, pokeIntervalSeconds: 60)
        #expect(EventVsPolling.recommend(quiet, watcher: watcher).watcherWakeUpsPerHour == 2)
    }
}

@Suite("117.1.5 Watcher Lifecycle Management")
struct WatcherLifecycleTests {
    func run(files: Int = 2) async throws -> WatcherLifecycle.Outcome {
        try await WatcherLifecycle.run(.init(files: files), database: TemporaryDatabase.make("117_01_05")).outcome
    }

    @Test("117.1.5/1 watchers start with the service group, stop and start by hand, and stop on graceful shutdown")
    func startupAndShutdown() async throws {
        let outcome = try await run()
        #expect(outcome.transitions["inbox_watcher"] ==
                [.registered, .starting, .running, .stopped, .starting, .running, .stopped])
        #expect(outcome.stateAfterShutdown == ["inbox_watcher": .stopped, "partner_watcher": .stopped])
        _ = try ExampleProcess.checkCommandLine("117_01_05_watcher_lifecycle", item: "117.1.5",
                                                badArguments: ["--files", "x"], expectInError: "--files")
    }

    @Test("117.1.5/2 registration ties watchers to the assets the scheduler waits on; names are unique")
    func registrationWithScheduler() async throws {
        let outcome = try await run(files: 3)
        #expect(outcome.scheduledAssets == ["inbox", "partner_drop"])
        #expect(outcome.registeredWatchers == ["inbox_watcher", "partner_watcher"])
        #expect(outcome.duplicateRegistrationError.contains("already registered"))
        #expect(outcome.runsOfConsumer == 3 + 1, "every recorded event reached the scheduler and made a run")
        let inbox = try #require(outcome.healthAfterFix.first { $0.watcher == "inbox_watcher" })
        #expect(outcome.filesFoundOnRestart == 3 + 1, "the restart re-scanned the three docs and the empty file")
        #expect(inbox.duplicates == 3, "redelivered docs were recognised by message id, not recorded or run again")
    }

    @Test("117.1.5/3 the health report tells a healthy watcher from a failed one, with seen/recorded/duplicate/filtered counts, last event and error")
    func healthStatus() async throws {
        let outcome = try await run()
        let inbox = try #require(outcome.healthBeforeFix.first { $0.watcher == "inbox_watcher" })
        let partner = try #require(outcome.healthBeforeFix.first { $0.watcher == "partner_watcher" })
        #expect(inbox.healthy && inbox.eventsRecorded == 2 && inbox.lastEventAt != nil && inbox.lastEventAgeMs != nil)
        #expect(inbox.eventsSeen == 3 && inbox.filtered == 1 && inbox.duplicates == 0, "the empty file was filtered")
        #expect(!partner.healthy && partner.state == .failed && partner.restarts == 1)
        #expect(partner.eventsSeen == 0 && partner.lastEventAt == nil)
        #expect(outcome.healthAfterFix.allSatisfy { $0.healthy })
        let inboxAfter = try #require(outcome.healthAfterFix.first { $0.watcher == "inbox_watcher" })
        #expect(inboxAfter.eventsSeen == 2 * 3 && inboxAfter.eventsRecorded == 2
                && inboxAfter.duplicates == 2 && inboxAfter.filtered == 2, "counters add up across the restart")
    }

    @Test("117.1.5/4 a broken source is diagnosed from the last error, fixed, and the watcher restarted by hand")
    func debugConnectionIssues() async throws {
        let outcome = try await run()
        let partner = try #require(outcome.healthBeforeFix.first { $0.watcher == "partner_watcher" })
        #expect(partner.lastError?.contains("No such file or directory") == true)
        #expect(outcome.diagnosis.contains("does not exist"))
        #expect(outcome.transitions["partner_watcher"]?.suffix(4) == [.failed, .starting, .running, .stopped])
        #expect(outcome.healthAfterFix.first { $0.watcher == "partner_watcher" }?.eventsRecorded == 1)
        #expect(WatcherLifecycle.diagnose(name: "w", state: .failed, restarts: 3, lastError: "Permission denied",
                                          connectionId: "sftp").contains("permissions"))
        #expect(WatcherLifecycle.diagnose(name: "w", state: .failed, restarts: 3, lastError: "connection reset",
                                          connectionId: "sftp").contains("connection sftp"))
    }
}
