import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex117_04_05_event_replay

@Suite("117.4.5 Event Replay and Reprocessing", .timeLimit(.minutes(5)))
struct EventReplayTests {
    typealias Example = EventReplay

    func run(_ configuration: Example.Configuration = .init()) async throws -> Example.Outcome {
        try await Example.run(configuration, database: TemporaryDatabase.make("117_04_05")).outcome
    }

    func checkpoint(_ outcome: Example.Outcome, _ phase: Example.Phase) throws -> Example.Checkpoint {
        try #require(outcome.checkpoint(phase))
    }

    @Test("117.4.5/1 historical events replayed: by time range into one new run, by offsets into the consumer's queue")
    func replaysHistory() async throws {
        let outcome = try await run()
        let ids = outcome.eventIds
        #expect(ids.count == 5)
        let pending = try checkpoint(outcome, .replayPending)
        let replay = try #require(pending.replay)
        #expect(replay.selected == ids && replay.replayed == Array(ids.suffix(2)))
        let run = try #require(pending.runs.first)
        #expect(pending.runs.count == 1 && run.isReplay && run.runType == .manual && run.state == .success)
        #expect(run.consumed == Array(ids.suffix(2)) && run.applied == Array(ids.suffix(2)))
        // By offsets into load_orders' queue: the scheduler made one asset-triggered run per re-queued event.
        let requeue = try checkpoint(outcome, .forcedRequeue)
        #expect(requeue.replay?.replayed == Array(ids.suffix(2)))
        #expect(requeue.runs.map(\.consumed) == ids.suffix(2).map { [$0] })
        #expect(requeue.runs.allSatisfy { $0.runType == .assetTriggered && !$0.isReplay && $0.state == .success })
    }

    @Test("117.4.5/2 asset events posted through the REST API (by asset_id, uri, name) with a bearer token")
    func manualEventsThroughAPI() async throws {
        let outcome = try await run()
        let posted = outcome.answers.filter { $0.method == "POST" && $0.path == "/api/v2/assets/events" }
        let accepted = posted.filter { $0.status == 200 }
        #expect(accepted.count == 5)
        #expect(Set(accepted.compactMap(\.addressedBy)) == ["asset_id", "uri", "name"])
        for (answer, id) in zip(accepted, outcome.eventIds) {
            let body = try #require(answer.body)
            #expect(body["id"]?.doubleValue == Double(id))
            #expect(body["extra"]?["from_rest_api"] == .bool(true))
            #expect(body["created_dagruns"]?.arrayValue?.count == 1)
        }
        // Refused requests record nothing: no token → 401, an unknown asset name → 404.
        #expect(posted.filter { $0.status != 200 }.map(\.status) == [401, 404])
        #expect(posted.first { $0.status == 401 }?.authorized == false)
        #expect(try checkpoint(outcome, .live).runs.allSatisfy { $0.state == .success && $0.applied.count == 1 })
    }

    @Test("117.4.5/3 idempotent reprocessing: a second replay sends nothing, forced deliveries write nothing")
    func idempotent() async throws {
        let outcome = try await run()
        let pending = try checkpoint(outcome, .replayPending)
        let again = try checkpoint(outcome, .replayAgain)
        let replay = try #require(again.replay)
        #expect(replay.isNoOp && replay.skippedAsProcessed == outcome.eventIds)
        #expect(again.runs.isEmpty && again.loadedRows == pending.loadedRows)
        for phase in [Example.Phase.forcedByIds, .forcedRequeue] {
            let forced = try checkpoint(outcome, phase)
            #expect(!forced.runs.isEmpty)
            #expect(forced.runs.allSatisfy { $0.applied.isEmpty && $0.skipped == $0.consumed })
            #expect(forced.loadedRows == 5)
        }
        let byIds = try checkpoint(outcome, .forcedByIds)
        #expect(byIds.runs.first?.consumed == [outcome.eventIds[0], outcome.eventIds[4]])
        // Delivered many times, loaded once each.
        #expect(outcome.deliveries > outcome.eventIds.count)
        #expect(outcome.distinctOrdersLoaded == 5 && outcome.checkpoints.last?.loadedRows == 5)
    }

    @Test("117.4.5/4 processed versus pending: failed loads stay pending until replayed")
    func processedVersusPending() async throws {
        let outcome = try await run(.init(ordersBefore: 2, ordersDuringOutage: 3))
        let ids = outcome.eventIds
        let live = try checkpoint(outcome, .live)
        #expect(live.status == ReplayStatus(processed: Array(ids.prefix(2)), pending: []))
        let outage = try checkpoint(outcome, .outage)
        #expect(outage.runs.count == 3 && outage.runs.allSatisfy { $0.state == .failed })
        #expect(outage.status == ReplayStatus(processed: Array(ids.prefix(2)), pending: Array(ids.suffix(3))))
        #expect(outage.loadedRows == 2)
        let replayed = try checkpoint(outcome, .replayPending)
        #expect(replayed.status == ReplayStatus(processed: ids, pending: []) && replayed.loadedRows == 5)
    }

    @Test("117.4.5 bad flag values are refused")
    func badFlags() {
        for arguments in [["--orders", "0"], ["--outage-orders", "7"], ["--orders", "x"]] {
            #expect(throws: (any Error).self) { _ = try EventReplayCommand.parse(arguments) }
        }
    }

    @Test("117.4.5 a used --db is refused")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { try await Example.run(database: $0) }
    }
}
