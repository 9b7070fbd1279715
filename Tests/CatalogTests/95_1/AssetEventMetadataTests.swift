import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex95_01_04_asset_event_metadata

@Suite("95.1.4 Asset Event Metadata", .timeLimit(.minutes(10)))
struct AssetEventMetadataTests {
    typealias Example = AssetEventMetadata

    func run(runs: Int = 3, badRun: Int = 2, tamperRun: Int = 1) async throws -> Example.Outcome {
        try await Example.run(
            .init(runs: runs, badRun: badRun, tamperRun: tamperRun),
            database: TemporaryDatabase.make("95_01_04")
        ).outcome
    }

    @Test("95.1.4/1 the producer's outlet extra is stored with the asset event")
    func extraMetadata() async throws {
        let outcome = try await run(runs: 2, badRun: 0, tamperRun: 0)
        #expect(outcome.exports.map(\.eventId) == [1, 2])
        for (index, export) in outcome.exports.enumerated() {
            #expect(Set(export.extra.keys) == ["path", "row_count", "fnv1a64", "schema_version", "run"])
            #expect(export.extra["run"] == .number(Double(index + 1)))
            #expect(export.extra["row_count"] == .number(Double(50 + 10 * index)))
            #expect(export.extra["path"]?.stringValue?.hasSuffix("landing/orders-\(index + 1).csv") == true)
            #expect(export.extra["schema_version"] == 1)
            #expect(export.extra["fnv1a64"]?.stringValue?.count == 16)
        }
    }

    @Test("95.1.4/2 the consumer reads extra from its triggering event, and history from the asset's inlet events")
    func accessingEventData() async throws {
        let outcome = try await run()
        #expect(
            outcome.consumerRuns.map(\.extraSeen) == outcome.exports.map(\.extra), "each run saw its own event's extra")
        #expect(outcome.consumerRuns.map(\.eventId) == outcome.exports.map(\.eventId))
        let third = try #require(outcome.consumerRuns.first { $0.exportRun == 3 }?.load)
        let firstExport = try #require(outcome.exports.first)
        #expect(third.inletEventsSeen == 3)
        #expect(third.rowsRead == 70)
        #expect(
            third.previousEventId == firstExport.eventId,
            "run 2 broke the schema, so run 1 is the previous valid export")
        #expect(third.delta == 20)
        let first = try #require(outcome.consumerRuns.first?.load)
        #expect(first.previousEventId == nil && first.inletEventsSeen == 1)
    }

    @Test(
        "95.1.4/3 claim check: extra points at a real file the consumer verifies; a late write is caught; small data goes inline"
    )
    func payloadPatterns() async throws {
        let outcome = try await run(runs: 3, badRun: 2, tamperRun: 1)
        // load succeeds only when row count and checksum match the file it re-read.
        #expect(
            outcome.consumerRuns.filter { $0.exportRun != 2 }.allSatisfy {
                $0.load?.rowsRead != nil && $0.loadState == .success
            })
        // The audit re-verified every file after export 1's file was appended to.
        #expect(outcome.tamperedRun == 1)
        #expect(outcome.audit.map(\.verdict) == [.mismatch, .unverifiable, .verified])
        let tampered = try #require(outcome.audit.first)
        let claimed = try #require(outcome.exports.first?.extra["fnv1a64"]?.stringValue)
        try #require(tampered.problems.count == 2)
        #expect(tampered.problems[0] == .rowCount(claimed: 50, inFile: 51))
        guard case .checksum(claimed, let inFile) = tampered.problems[1] else {
            Issue.record("expected a checksum mismatch, got \(tampered.problems[1])")
            return
        }
        #expect(inFile != claimed)
        // The pointer is far smaller than the data it stands for.
        let valid = outcome.exports.filter { $0.run != 2 }
        #expect(valid.allSatisfy { $0.extraBytes * 2 < $0.fileBytes })
        // verify() on a real file: matches, then catches a truncation.
        let export = try #require(outcome.exports.last)
        #expect(Example.verify(export.extra).verified)
        let url = URL(fileURLWithPath: try #require(export.extra["path"]?.stringValue))
        let data = try Data(contentsOf: url)
        #expect(Example.fnv1a64(data) == export.extra["fnv1a64"]?.stringValue)
        let truncated =
            String(decoding: data, as: UTF8.self).split(separator: "\n").dropLast().joined(separator: "\n") + "\n"
        try Data(truncated.utf8).write(to: url)
        #expect(
            Example.verify(export.extra).problems.count == 2, "one row fewer: both the count and the checksum differ")
        #expect(Example.verify(export.extra).problems.first == .rowCount(claimed: 70, inFile: 69))
        #expect(Example.verify(export.extra).rowsInFile == 69)
        #expect(
            Example.verify(["path": "/nonexistent/orders.csv"]).problems == [
                .unreadable(path: "/nonexistent/orders.csv")
            ])
        #expect(Example.verify([:]).problems == [.noPath])
        // Inline: the consumer used the rates straight from extra.
        #expect(outcome.inlinePayload["rates"]?["USD"] == 1.08)
        #expect(outcome.inlineConsumerResult["price_usd"] == 108)
    }

    @Test(
        "95.1.4/4 metadata that breaks the shared schema is refused by validate, with every reason, before anything is loaded"
    )
    func metadataSchema() async throws {
        let outcome = try await run(runs: 3, badRun: 2)
        let bad = try #require(outcome.consumerRuns.first { $0.exportRun == 2 })
        #expect(bad.state == .failed)
        #expect(bad.validateState == .failed)
        // The run saw exactly the broken extra the producer emitted: the count as text, no checksum.
        #expect(bad.extraSeen["row_count"] == .string("60"))
        #expect(bad.extraSeen["fnv1a64"] == nil)
        #expect(Example.schema.violations(of: bad.extraSeen).count == 2, "both problems are named, not only the first")
        #expect(bad.loadState == .upstreamFailed)
        #expect(bad.load == nil, "nothing was loaded from a file whose metadata is wrong")
        let audited = try #require(outcome.audit.first { $0.exportRun == 2 })
        #expect(audited.verdict == .unverifiable && audited.schemaViolations.count == 2)
        #expect(outcome.consumerRuns.filter { $0.exportRun != 2 }.allSatisfy { $0.state == .success })
        // The schema carries its version: extra announcing another version is refused too.
        var newer = try #require(outcome.exports.first?.extra)
        newer["schema_version"] = 2
        #expect(Example.schema.violations(of: newer) == ["'schema_version' is 2, but this schema is version 1"])
    }

    @Test("95.1.4/expected metadata flows with events, in-process and from the command line")
    func expectedBehavior() async throws {
        let outcome = try await run(runs: 4, badRun: 0, tamperRun: 0)
        #expect(outcome.consumerRuns.count == 4)
        #expect(outcome.consumerRuns.allSatisfy { $0.state == .success && $0.load != nil })
        #expect(outcome.audit.allSatisfy { $0.verdict == .verified })
        // Refuse, not resume: a second run on the same store is refused.
        try await expectRefusesUsedStore { try await Example.run(.init(), database: $0) }
        let cli = try ExampleProcess.checkCommandLine(
            "95_01_04_asset_event_metadata", item: "95.1.4",
            badArguments: ["--runs", "2", "--bad-run", "5"], expectInError: "--bad-run")
        let runs = try #require(cli["consumerRuns"] as? [[String: Any]])
        #expect(runs.compactMap { $0["loadState"] as? String } == ["success", "upstream_failed", "success"])
        let badTamper = try ExampleProcess.run("95_01_04_asset_event_metadata", ["--tamper-run", "9"])
        #expect(badTamper.status != 0 && badTamper.stderr.contains("--tamper-run"))
    }
}
