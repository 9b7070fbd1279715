import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex95_01_05_conditional_asset_triggers

@Suite("95.1.5 Conditional Asset Triggers", .timeLimit(.minutes(10)))
struct ConditionalAssetTriggersTests {
    typealias Example = ConditionalAssetTriggers
    typealias Verdict = Example.Verdict

    func run(region: String = "eu") async throws -> Example.Outcome {
        try await Example.run(.init(region: region), database: TemporaryDatabase.make("95_01_05")).outcome
    }

    static let orders = AssetKey(name: "s3://o", uri: "s3://o"), manual = AssetKey(name: "s3://m", uri: "s3://m")

    static func event(_ id: Int64, _ extra: [String: JSONValue], asset: AssetKey = orders) -> AssetEvent {
        AssetEvent(
            id: id, asset: asset, extra: extra, source: .api(messageId: nil), alias: nil,
            timestamp: Date(timeIntervalSince1970: 0))
    }

    /// The outcome's runs and stimuli, checked for the counts the default workload makes.
    static func shape(_ outcome: Example.Outcome) throws -> (runs: [Example.RunResult], ids: [Int64]) {
        try #require(outcome.runs.count == 4 && outcome.stimuli.count == 10)
        return (outcome.runs, outcome.stimuli.map(\.eventId))
    }

    @Test("95.1.5/1 the gate filters triggering events by extra: orders of other regions never make a report")
    func filterEvents() async throws {
        let (runs, ids) = try Self.shape(try await run())
        #expect(
            runs[0].decision
                == .nothingAccepted(
                    [Verdict(eventId: ids[0], kind: .filtered, reason: .region("us"))],
                    region: "eu"))
        #expect(runs[0].reportEvent == nil)
        #expect(runs[2].decision?.proceeds == true)
        #expect(runs[2].decision?.accepted == [ids[5]], "the eu order; the us order next to it was filtered out")
        #expect(runs[2].events.contains(ids[6]))
        // The same events with --region us: the first batch proceeds, the eu one is filtered.
        let (us, usIds) = try Self.shape(try await run(region: "us"))
        #expect(us[0].decision == .accepted([Verdict(eventId: usIds[0], kind: .accepted, reason: nil)]))
        #expect(us[2].decision?.accepted == [usIds[6]])
    }

    @Test("95.1.5/2 (orders & fx_rates) | manual_override decides when runs exist")
    func conditionalLogic() async throws {
        let outcome = try await run()
        let (runs, ids) = try Self.shape(outcome)
        #expect(outcome.condition == "(orders & fx_rates) | manual_override")
        // orders, fx, orders, orders, fx, orders, orders, fx, manual_override, orders
        #expect(outcome.stimuli.map(\.runsAfter) == [0, 1, 1, 1, 2, 2, 2, 3, 4, 4])
        #expect(runs.map(\.events) == [[0, 1], [2, 3, 4], [5, 6, 7], [8]].map { $0.map { ids[$0] } })
        #expect(runs[3].assets == ["s3://lake/ops/manual_override"])
        #expect(runs[3].decision == .override(eventId: ids[8], reason: "late correction"))
        #expect(outcome.stillQueued == ["s3://lake/orders"], "the last orders event waits for fx_rates or an override")
    }

    @Test("95.1.5/3 events failing validation are named with the reason; the gate neither truncates nor traps")
    func eventValidation() throws {
        let (orders, manual) = (Self.orders, Self.manual)
        let verdict = { (extra: [String: JSONValue]) in Example.assess(Self.event(1, extra), region: "eu") }
        #expect(verdict(["region": "eu", "row_count": 3]) == Verdict(eventId: 1, kind: .accepted, reason: nil))
        let missing = Example.ordersSchema.violations(of: ["region": "eu"])
        #expect(missing.count == 1)
        #expect(verdict(["region": "eu"]) == Verdict(eventId: 1, kind: .invalid, reason: .schema(missing)))
        #expect(verdict(["region": "eu", "row_count": 0]).reason == .rowsNotPositive(0))
        #expect(verdict(["region": "eu", "row_count": 2.5]).kind == .invalid, "2.5 rows is not an integer")
        #expect(
            verdict(["region": "eu", "row_count": 1e300]).kind == .invalid,
            "too large to be exact: refused, not a crash")
        #expect(verdict(["row_count": 3]).kind == .invalid, "no region: invalid, not merely filtered")
        #expect(
            verdict(["region": "us", "row_count": 3]) == Verdict(eventId: 1, kind: .filtered, reason: .region("us")))
        // One valid event among invalid ones is enough; an override must say why.
        let decision = Example.decide(
            [Self.event(1, ["region": "eu"]), Self.event(2, ["region": "eu", "row_count": 3])],
            region: "eu", orders: orders, manual: manual)
        #expect(decision.proceeds && decision.accepted == [2])
        let silent = Example.decide([Self.event(5, [:], asset: manual)], region: "eu", orders: orders, manual: manual)
        #expect(silent == .overrideWithoutReason(eventId: 5) && !silent.proceeds)
        #expect(!Example.decide([], region: "eu", orders: orders, manual: manual).proceeds)
    }

    @Test("95.1.5/3 in the run, invalid events skip the run with a reason naming each event")
    func eventValidationInRun() async throws {
        let (runs, ids) = try Self.shape(try await run())
        #expect(
            runs[1].decision
                == .nothingAccepted(
                    [
                        Verdict(
                            eventId: ids[2], kind: .invalid,
                            reason: .schema(Example.ordersSchema.violations(of: ["region": "eu"]))),
                        Verdict(eventId: ids[3], kind: .invalid, reason: .rowsNotPositive(0)),
                    ], region: "eu"))
    }

    @Test("95.1.5/4 a skipped run skips its downstream tasks, ends success, publishes nothing and triggers nobody")
    func skipPatterns() async throws {
        let outcome = try await run()
        let skipped = outcome.runs.filter { $0.decision?.proceeds == false }
        let proceeded = outcome.runs.filter { $0.decision?.proceeds == true }
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
        #expect(outcome.runs.map { $0.decision?.proceeds } == [false, false, true, true])
        // Refuse, not resume: a second run on the same store is refused.
        try await expectRefusesUsedStore { try await Example.run(.init(), database: $0) }
        let cli = try ExampleProcess.checkCommandLine(
            "95_01_05_conditional_asset_triggers", item: "95.1.5",
            badArguments: ["--region", "e u"], expectInError: "--region")
        #expect(cli["notifyRuns"] as? Int == 2)
        #expect((cli["runs"] as? [Any])?.count == 4)
    }
}
