import Eventide
import EventideCLI
import EventideTesting
import Foundation
import Testing

@testable import Ex95_03_02_file_arrival_events

@Suite("95.3.2 File Arrival Events", .timeLimit(.minutes(5)))
struct FileArrivalEventsTests {
    typealias Detection = FileArrivalEvents.Detection

    func run(
        s3: URL? = nil, gcs: URL? = nil, database: EventideDatabase? = nil
    ) async throws -> FileArrivalEvents.Outcome {
        let configuration = FileArrivalEvents.Configuration(s3Endpoint: s3, gcsEndpoint: gcs)
        return try await FileArrivalEvents.run(
            configuration, database: database ?? TemporaryDatabase.make("95_03_02")
        ).outcome
    }

    func detection(_ dagId: String, in outcome: FileArrivalEvents.Outcome) throws -> Detection {
        try #require(outcome.detections.first { $0.dagId == dagId })
    }

    /// The sensor succeeded and the task after it received exactly what arrived.
    func expectDetected(_ detection: Detection) {
        #expect(detection.sensorState == .success)
        #expect(detection.received == detection.arrived)
    }

    @Test("95.3.2/1 FileSensor patterns: a glob on local disk is detected, the partial file under a hidden name is not")
    func fileSensorPatterns() async throws {
        let outcome = try await run()
        let poke = try detection("file_poke", in: outcome)
        expectDetected(poke)
        #expect(poke.arrived.hasSuffix("/file_poke/orders_1.csv"))
        // It poked before the file was renamed into place (the hidden partial name never matched orders_*.csv).
        #expect(poke.taskPokes >= 2)
        #expect(poke.slotsHeldWhileWaiting == 1)
    }

    @Test("95.3.2/2 S3KeySensor usage: a wildcard key (exports/*/orders.csv) in poke and deferrable mode")
    func s3KeySensorEmbedded() async throws {
        let outcome = try await run()
        #expect(outcome.s3Backend == "embedded buckets")
        for dagId in ["s3_poke", "s3_deferrable"] {
            let detection = try detection(dagId, in: outcome)
            expectDetected(detection)
            #expect(detection.arrived == "exports/2026-12-01/orders.csv")
        }
    }

    @Test(
        "95.3.2/2 S3KeySensor against S3 (moto) with --s3",
        .enabled(
            if: LocalServer.moto.isRunning, "moto is not running on 127.0.0.1:5000; start it with scripts/servers up"))
    func s3KeySensorOnMoto() async throws {
        let outcome = try await run(s3: LocalServer.moto.url)
        #expect(outcome.s3Backend.hasPrefix("S3 at "))
        for dagId in ["s3_poke", "s3_deferrable"] { expectDetected(try detection(dagId, in: outcome)) }
    }

    @Test("95.3.2/3 GCSObjectExistenceSensor: an object name in poke and deferrable mode")
    func gcsSensorEmbedded() async throws {
        let outcome = try await run()
        for dagId in ["gcs_poke", "gcs_deferrable"] {
            let detection = try detection(dagId, in: outcome)
            expectDetected(detection)
            #expect(detection.arrived == "exports/orders.csv")
        }
    }

    @Test(
        "95.3.2/3 GCSObjectExistenceSensor against fake-gcs-server with --gcs",
        .enabled(
            if: LocalServer.gcs.isRunning, "fake-gcs-server is not running on 127.0.0.1:4443; scripts/servers up gcs"))
    func gcsSensorOnFakeGCS() async throws {
        let outcome = try await run(gcs: LocalServer.gcs.url)
        #expect(outcome.gcsBackend.hasPrefix("GCS at "))
        for dagId in ["gcs_poke", "gcs_deferrable"] { expectDetected(try detection(dagId, in: outcome)) }
    }

    @Test(
        "95.3.2/4 Deferrable mode holds no worker slot while waiting; FileSensor is woken by inotify, and polls with the reason where inotify cannot watch"
    )
    func deferrableMode() async throws {
        let outcome = try await run()
        for detection in outcome.detections {
            #expect(detection.slotsHeldWhileWaiting == (detection.mode == .poke ? 1 : 0), "\(detection.dagId)")
            // Poke mode held its slot through the whole wait, at least the arrival delay.
            if detection.mode == .poke { #expect(detection.slotHeldMilliseconds >= 500, "\(detection.dagId)") }
        }
        let inotify = try detection("file_deferrable", in: outcome)
        #expect(inotify.watch == "inotify")
        #expect(inotify.inotifyWakeUps >= 1)
        #expect(inotify.triggerChecks == 0)
        #expect(inotify.taskPokes == 1)  // one poke, then deferred: nothing polled
        let fallback = try detection("file_deferrable_new_folder", in: outcome)
        #expect(fallback.watch == "polling")
        #expect(fallback.fallback == "the folder landing/file_deferrable_new_folder does not exist")
        #expect(fallback.triggerChecks >= 2)
        // The object sensors' deferred triggers checked in the triggerer, not in the task.
        for dagId in ["s3_deferrable", "gcs_deferrable"] {
            let detection = try detection(dagId, in: outcome)
            #expect(detection.taskPokes == 1)
            #expect(detection.triggerChecks >= 2)
        }
    }

    @Test("95.3.2/expected File events detected: all seven sensors succeed and hand on what arrived")
    func fileEventsDetected() async throws {
        let outcome = try await run()
        #expect(outcome.detections.count == 7)
        for detection in outcome.detections { expectDetected(detection) }
        #expect(Set(outcome.detections.map(\.kind)) == [.file, .s3, .gcs])
        #expect(Set(outcome.detections.map(\.mode)) == [.poke, .deferrable])
    }

    @Test("95.3.2 refuses a --db that an earlier run used")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { try await run(database: $0) }
    }

    @Test(
        "95.3.2 bad flag values are refused",
        arguments: [
            ["--s3", "nope"], ["--gcs", "ftp://127.0.0.1:4443"], ["--s3", "http://127.0.0.1:70000"],
            ["--arrival-delay-ms", "-1"],
        ])
    func badFlags(arguments: [String]) {
        #expect(throws: (any Error).self) { _ = try FileArrivalEventsCommand.parse(arguments) }
    }
}
