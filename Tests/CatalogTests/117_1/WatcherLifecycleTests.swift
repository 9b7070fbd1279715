import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex117_01_05_watcher_lifecycle

@Suite("117.1.5 Watcher Lifecycle Management", .timeLimit(.minutes(5)))
struct WatcherLifecycleTests {
    typealias Example = WatcherLifecycle

    func run(files: Int = 2) async throws -> Example.Outcome {
        let database = try TemporaryDatabase.make("117_01_05")
        defer {
            try? FileManager.default.removeItem(at: URL(fileURLWithPath: database.path).deletingLastPathComponent())
        }
        return try await Example.run(.init(files: files), database: database).outcome
    }

    func line(_ lines: [Example.HealthLine], _ watcher: String) throws -> Example.HealthLine {
        try #require(lines.first { $0.watcher == watcher })
    }

    @Test("117.1.5/1 watchers start with the service group, stop and start by hand, and stop on graceful shutdown")
    func startupAndShutdown() async throws {
        let outcome = try await run()
        #expect(
            outcome.transitions["inbox_watcher"] == [
                .registered, .starting, .running, .stopped, .starting, .running, .stopped,
            ])
        #expect(outcome.stateAfterShutdown == ["inbox_watcher": .stopped, "partner_watcher": .stopped])
        _ = try ExampleProcess.checkCommandLine(
            "117_01_05_watcher_lifecycle", item: "117.1.5",
            badArguments: ["--files", "x"], expectInError: "--files")
    }

    @Test("117.1.5/2 registration ties watchers to the assets the scheduler waits on; names are unique")
    func registrationWithScheduler() async throws {
        let outcome = try await run(files: 3)
        #expect(outcome.scheduledAssets == ["inbox", "partner_drop"])
        #expect(outcome.registeredWatchers == ["inbox_watcher", "partner_watcher"])
        #expect(outcome.duplicateRegistrationRefused)
        #expect(outcome.runsOfConsumer == 3 + 1, "every recorded event reached the scheduler and made a run")
        let inbox = try line(outcome.healthAfterFix, "inbox_watcher")
        #expect(outcome.filesFoundOnRestart == 3 + 1, "the restart re-scanned the three docs and the empty file")
        #expect(inbox.duplicates == 3, "redelivered docs were recognised by message id, not recorded or run again")
    }

    @Test("117.1.5/2 a reused database is refused before anything runs, so counts never mix two runs")
    func refusesReusedStore() async throws {
        try await expectRefusesUsedStore { try await Example.run(.init(), database: $0) }
        // From the command line: the second run on the same --db exits non-zero and prints no report.
        let folder = try TemporaryDatabase.folder("117_01_05_cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("store.sqlite").path
        let first = try ExampleProcess.run("117_01_05_watcher_lifecycle", ["--db", path, "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try ExampleProcess.run("117_01_05_watcher_lifecycle", ["--db", path, "--json"])
        #expect(second.status != 0 && second.stdout.isEmpty)
    }

    @Test(
        "117.1.5/3 the health report tells a healthy watcher from a failed one, with seen/recorded/duplicate/filtered counts, last event and error"
    )
    func healthStatus() async throws {
        let outcome = try await run()
        let inbox = try line(outcome.healthBeforeFix, "inbox_watcher")
        let partner = try line(outcome.healthBeforeFix, "partner_watcher")
        #expect(inbox.healthy && inbox.eventsRecorded == 2 && inbox.lastEventAt != nil && inbox.lastEventAgeMs != nil)
        #expect(inbox.eventsSeen == 3 && inbox.filtered == 1 && inbox.duplicates == 0, "the empty file was filtered")
        #expect(inbox.lastError == nil)
        #expect(!partner.healthy && partner.state == .failed && partner.restarts == 1)
        #expect(partner.eventsSeen == 0 && partner.lastEventAt == nil && partner.lastError != nil)
        #expect(outcome.healthAfterFix.allSatisfy { $0.healthy })
        let inboxAfter = try line(outcome.healthAfterFix, "inbox_watcher")
        #expect(
            inboxAfter.eventsSeen == 2 * 3 && inboxAfter.eventsRecorded == 2
                && inboxAfter.duplicates == 2 && inboxAfter.filtered == 2, "counters add up across the restart")
    }

    @Test("117.1.5/3 a recovered watcher's status no longer carries the error it failed with")
    func recoveredWatcherClearsItsError() async throws {
        let outcome = try await run()
        let partnerAfter = try line(outcome.healthAfterFix, "partner_watcher")
        #expect(partnerAfter.state == .running && partnerAfter.healthy)
        #expect(partnerAfter.lastError == nil)
        #expect(partnerAfter.restarts == 1, "the restart count is history and stays")
    }

    @Test(
        "117.1.5/4 a broken source is diagnosed from the status and the source, fixed, and the watcher restarted by hand"
    )
    func debugConnectionIssues() async throws {
        let outcome = try await run()
        guard case .folderMissing(let path, let connection) = outcome.diagnosis else {
            Issue.record("expected .folderMissing, got \(outcome.diagnosis)")
            return
        }
        #expect(path.hasSuffix("/zones/partner") && connection == "partner_sftp")
        #expect(outcome.transitions["partner_watcher"]?.suffix(4) == [.failed, .starting, .running, .stopped])
        #expect(try line(outcome.healthAfterFix, "partner_watcher").eventsRecorded == 1)

        // The other findings, on sources made for them.
        let folder = try TemporaryDatabase.folder("117_01_05_diagnose")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        #expect(
            Example.diagnose(.failed, lastError: "e", watching: file, connectionId: "sftp")
                == .notAFolder(path: file.path, connectionId: "sftp"))
        #expect(
            Example.diagnose(.failed, lastError: "connection reset", watching: folder, connectionId: "sftp")
                == .unexplained(lastError: "connection reset", connectionId: "sftp"))
        #expect(Example.diagnose(.running, lastError: nil, watching: file, connectionId: nil) == .healthy)
    }
}
