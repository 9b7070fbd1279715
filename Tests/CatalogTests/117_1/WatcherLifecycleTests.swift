import Eventide
import EventideTesting
import Foundation
import Testing
@testable import Ex117_01_01_watcher_basics
@testable import Ex117_01_02_watcher_config
@testable import Ex117_01_03_asset_with_watcher
@testable import Ex117_01_04_event_vs_polling
@testable import Ex117_01_05_watcher_lifecycle

@Suite("117.1.5 Watcher Lifecycle Management", .timeLimit(.minutes(10)))
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
