import Eventide
import EventideTesting
import Foundation
import Testing
@testable import Ex117_01_01_watcher_basics
@testable import Ex117_01_02_watcher_config
@testable import Ex117_01_03_asset_with_watcher
@testable import Ex117_01_04_event_vs_polling
@testable import Ex117_01_05_watcher_lifecycle

@Suite("117.1.2 Watcher Configuration Options", .timeLimit(.minutes(10)))
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
