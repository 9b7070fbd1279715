import Eventide
import EventideTesting
import Foundation
import Testing
@testable import Ex95_01_01_asset_producer
@testable import Ex95_01_02_asset_consumer
@testable import Ex95_01_04_asset_event_metadata
@testable import Ex95_01_05_conditional_asset_triggers

@Suite("95.1.5 Conditional Asset Triggers", .timeLimit(.minutes(10)))
struct ConditionalAssetTriggersTests {
    typealias Example = ConditionalAssetTriggers

    func run(region: String = "eu") async throws -> Example.Outcome {
        try await Example.run(.init(region: region), database: TemporaryDatabase.make("95_01_05")).outcome
    }

    static let orders = AssetKey(name: "s3://o", uri: "s3://o"), manual = AssetKey(name: "s3://m", uri: "s3://m")

    static func event(_ id: Int64, _ extra: [String: JSONValue], asset: AssetKey = orders) -> AssetEvent {
        AssetEvent(id: id, asset: asset, extra: extra, source: .api(messageId: nil), alias: nil, timestamp: Date())
    }

    @Test("95.1.5/1 the gate filters triggering events by extra: orders of other regions never make a report")
    func filterEvents() async throws {
        let outcome = try await run()
        let first = outcome.runs[0]
        #expect(first.decision == "skip")
        #expect(first.reason?.contains("#\(outcome.stimuli[0].eventId) filtered (region us)") == true)
        let third = outcome.runs[2]
        #expect(third.decision == "proceed")
        #expect(third.accepted == [outcome.stimuli[5].eventId], "the eu order; the us order next to it was filtered out")
        #expect(third.events.contains(outcome.stimuli[6].eventId))
        // The same events with --region us: the first batch proceeds, the eu one is filtered.
        let us = try await run(region: "us")
        #expect(us.runs[0].decision == "proceed" && us.runs[0].accepted == [us.stimuli[0].eventId])
        #expect(us.runs[2].accepted == [us.stimuli[6].eventId])
    }

    @Test("95.1.5/2 (orders & fx_rates) | manual_override decides when runs exist")
    func conditionalLogic() async throws {
        let outcome = try await run()
        #expect(outcome.condition == "(orders & fx_rates) | manual_override")
        // orders, fx, orders, orders, fx, orders, orders, fx, manual_override, orders
        #expect(outcome.stimuli.map(\.runsAfter) == [0, 1, 1, 1, 2, 2, 2, 3, 4, 4])
        #expect(outcome.runs.map(\.events) == [[0, 1], [2, 3, 4], [5, 6, 7], [8]].map { $0.map { outcome.stimuli[$0].eventId } })
        #expect(outcome.runs[3].assets == ["s3://lake/ops/manual_override"])
        #expect(outcome.runs[3].reason?.hasPrefix("manual override") == true)
        #expect(outcome.stillQueued == ["s3://lake/orders"], "the last orders event waits for fx_rates or an override")
    }

    @Test("95.1.5/3 events failing validation are named with the reason; the gate neither truncates nor traps")
    func eventValidation() throws {
        let (orders, manual) = (Self.orders, Self.manual)
        let verdict = { (extra: [String: JSONValue]) in Example.assess(Self.event(1, extra), region: "eu") }
        #expect(verdict(["region": "eu", "row_count": 3]).kind == .accepted)
        #expect(verdict(["region": "eu"]) == .init(eventId: 1, kind: .invalid, reason: "'row_count' is missing (integer required)"))
        #expect(verdict(["region": "eu", "row_count": 0]).reason == "row_count 0 is not positive")
        #expect(verdict(["region": "eu", "row_count": 2.5]).kind == .invalid, "2.5 rows is not an integer")
        #expect(verdict(["region": "eu", "row_count": 1e300]).kind == .invalid, "too large to be exact: refused, not a crash")
        #expect(verdict(["row_count": 3]).kind == .invalid, "no region: invalid, not merely filtered")
        #expect(verdict(["region": "us", "row_count": 3]) == .init(eventId: 1, kind: .filtered, reason: "region us"))
        // One valid event among invalid ones is enough; an override must say why.
        let output = try Example.gate([Self.event(1, ["region": "eu"]), Self.event(2, ["region": "eu", "row_count": 3])],
                                      region: "eu", orders: orders, manual: manual)
        #expect(output.value["accepted"] == [2])
        #expect(throws: TaskSkipped("manual override #5 carries no reason; an override must say why")) {
            try Example.gate([Self.event(5, [:], asset: manual)], region: "eu", orders: orders, manual: manual)
        }
    }

    @Test("95.1.5/3 in the run, invalid events skip the run with a reason naming each event")
    func eventValidationInRun() async throws {
        let outcome = try await run()
        let second = outcome.runs[1]
        #expect(second.decision == "skip")
        #expect(second.reason == "no valid eu orders among 2 orders event(s): "
            + "#\(outcome.stimuli[2].eventId) invalid ('row_count' is missing (integer required)); "
            + "#\(outcome.stimuli[3].eventId) invalid (row_count 0 is not positive)")
    }

    @Test("95.1.5/4 a skipped run skips its downstream tasks, ends success, publishes nothing and triggers nobody")
    func skipPatterns() async throws {
        let outcome = try await run()
        let skipped = outcome.runs.filter { $0.decision == "skip" }
        let proceeded = outcome.runs.filter { $0.decision == "proceed" }
        #expect(skipped.count == 2 && proceeded.count == 2)
        for run in skipped {
            #expect(run.state == .success, "skipping is a decision, not a failure")
            #expect(run.taskStates == ["gate": .skipped, "build": .skipped, "publish": .skipped])
            #expect(run.reportEvent == nil && run.notifyRun == nil)
        }
        for run in proceeded {
            #expect(run.taskStates["publish"] == .success)
            #expect(run.reportEvent != nil)
        }
        #expect(proceeded.compactMap(\.notifyRun) == [1, 2], "each report triggered exactly one notify run")
        #expect(outcome.publishedEvents == 2)
        #expect(outcome.notifyRuns == 2)
    }

    @Test("95.1.5/expected conditional triggers work, in-process and from the command line")
    func expectedBehavior() async throws {
        let outcome = try await run()
        #expect(outcome.runs.map(\.decision) == ["skip", "skip", "proceed", "proceed"])
        try await expectRefusesUsedStore { try await Example.run(.init(), database: $0) }
        let cli = try ExampleProcess.checkCommandLine("95_01_05_conditional_asset_triggers", item: "95.1.5",
                                                      badArguments: ["--region", "e u"], expectInError: "--region")
        #expect(cli["notifyRuns"] as? Int == 2)
        #expect((cli["runs"] as? [Any])?.count == 4)
    }
}
