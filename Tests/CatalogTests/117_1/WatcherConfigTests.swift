import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex117_01_02_watcher_config

@Suite("117.1.2 Watcher Configuration Options", .timeLimit(.minutes(10)))
struct WatcherConfigTests {
    func configuration(environment: [String: String] = [:]) -> WatcherConfig.Configuration {
        .init(retries: 6, retryDelay: .milliseconds(20), sensorTimeout: .milliseconds(100), environment: environment)
    }

    func run(environment: [String: String] = [:]) async throws -> WatcherConfig.Outcome {
        let database = try TemporaryDatabase.make("117_01_02")
        // The store's temporary folder holds the folders the example writes too: remove it all.
        defer {
            try? FileManager.default.removeItem(at: URL(fileURLWithPath: database.path).deletingLastPathComponent())
        }
        return try await WatcherConfig.run(configuration(environment: environment), database: database).outcome
    }

    @Test(
        "117.1.2/1 restart policy: a watcher recovers after restarts (clearing its error), another fails when they run out"
    )
    func restartPolicy() async throws {
        let outcome = try await run()
        #expect(outcome.late.restarts >= 2)
        #expect(outcome.late.finalState == .running)
        #expect(outcome.late.eventsRecorded == 1)
        #expect(outcome.late.errorWhileRestarting != nil, "while its folder was missing, its status said why")
        #expect(outcome.late.lastError == nil, "a recovered watcher clears its last error")
        #expect(outcome.missing.finalState == .failed)
        #expect(outcome.missing.restarts == outcome.missing.allowedRestarts)
        #expect(outcome.missing.lastError != nil, "a failed watcher keeps the error that failed it")
        #expect(outcome.missing.eventsRecorded == 0)
        _ = try ExampleProcess.checkCommandLine(
            "117_01_02_watcher_config", item: "117.1.2",
            badArguments: ["--retries", "1"], expectInError: "--retries")
    }

    @Test(
        "117.1.2/1 with one retry policy, a deferred sensor's timeout fails its task at once; a plain failure is retried"
    )
    func timeoutAndRetry() async throws {
        let outcome = try await run()
        let (sensor, check) = (outcome.deferredSensor, outcome.plainCheck)
        #expect(sensor.allowedTries == 3 && check.allowedTries == 3)
        #expect(sensor.state == .failed && sensor.tries == 1, "a sensor timeout is final, its retries unused")
        #expect(check.state == .failed && check.tries == 3, "the same policy retries an ordinary failure")
        #expect(sensor.runMilliseconds >= outcome.timeoutMilliseconds, "it failed when the timeout ran out, not before")
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
        #expect(outcome.filtering.extras.count == 2)
        #expect(
            outcome.filtering.extras.allSatisfy {
                Set($0.keys) == ["file_name", "size_bytes", "landing_zone", "from_trigger", "payload"]
            })
        #expect(outcome.filtering.extras.allSatisfy { $0["size_bytes"] == 5 && $0["landing_zone"] == "csv_zone" })
    }

    @Test("117.1.2/4 watchers find their folders through AIRFLOW_CONN_<ID> connections; an unknown id is a typed error")
    func connectionReferences() async throws {
        let custom = try TemporaryDatabase.folder("custom-csv-zone")
        defer { try? FileManager.default.removeItem(at: custom) }
        let outcome = try await run(environment: ["AIRFLOW_CONN_CSV_ZONE": "file://\(custom.path)"])
        #expect(outcome.connections["csv_zone"] == "file://\(custom.path)")
        #expect(
            FileManager.default.fileExists(atPath: custom.appendingPathComponent("a.csv").path),
            "the csv watcher watched the folder the connection named")
        #expect(outcome.filtering.recorded.sorted() == ["a.csv", "c.csv"])
        #expect(
            outcome.unknownConnection == .init(id: "archive_zone", known: ["csv_zone", "late_zone", "missing_zone"]))
    }

    @Test("117.1.2/4 a reused --db is refused instead of counting two runs' asset events")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { try await WatcherConfig.run(configuration(), database: $0) }
    }
}
