import Eventide
import EventideCLI
import Foundation

/// Drives `AssetEventMetadata.swift`: `runs` exports (one with broken metadata), each load noted when it
/// finishes; then a late write to one export's file, the audit over the asset's history, and the inline payload.
extension AssetEventMetadata {
    static let item = "95.1.4"
    static let title = "Asset Event Metadata"

    struct Configuration: Sendable {
        var runs = 3
        /// The export run (1-based) that emits metadata breaking the schema; 0 for none.
        var badRun = 2
        /// The export run whose file is rewritten after its event was emitted; 0 for none.
        var tamperRun = 1
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        /// An export run finished without an asset event, or its load run never appeared.
        case noEventFrom(run: Int)
        case noLoadRun(eventId: Int64)
        case noRunOf(dagId: String)

        var description: String {
            switch self {
            case .noEventFrom(let run): "export run \(run) finished without an asset event; its outlet is broken"
            case .noLoadRun(let eventId): "no load_orders run consumed event #\(eventId)"
            case .noRunOf(let dagId): "\(dagId) has no finished run"
            }
        }
    }

    struct Export: Codable, Sendable, Hashable {
        let run: Int
        let eventId: Int64
        let extra: [String: JSONValue]
        /// Size of the extra as stored (compact JSON) and of the file it points at.
        let extraBytes: Int
        let fileBytes: Int
    }

    struct ConsumerRun: Codable, Sendable, Hashable {
        let eventId: Int64
        let exportRun: Int?
        let state: DagRunState
        let extraSeen: [String: JSONValue]
        let validateState: TaskState?
        let loadState: TaskState?
        /// What load returned, when it succeeded (it succeeds only when row count and checksum match the file).
        let load: LoadReport?
    }

    struct Outcome: Codable, Sendable {
        let exports: [Export]
        let consumerRuns: [ConsumerRun]
        let tamperedRun: Int?
        let audit: [AuditEntry]
        let inlinePayload: [String: JSONValue]
        let inlineExtraBytes: Int
        let inlineConsumerResult: JSONValue
    }

    static func note(_ timeline: Timeline, _ text: String, at date: Date?) {
        if let date { timeline.note(text, at: date) } else { timeline.note(text) }
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let landing = try database.folder("landing", fresh: false)
        timeline.abbreviate(landing, as: "landing")
        let orders = try Asset(uri: "file://\(landing.path)/orders", name: "orders_export")
        let fx = try Asset(uri: "s3://lake/fx/latest", name: "fx_latest")
        let fxDags = try fxDags(fx: fx)
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [
            try exportDag(orders: orders, landing: landing, badRun: configuration.badRun),
            try loadDag(orders: orders), try auditDag(orders: orders),
            fxDags.publish, fxDags.convert,
        ])
        try await orchestrator.requireFreshStore()
        _ = try database.folder("landing")  // empty it only now that the store is known to be new
        let scheduler = orchestrator.scheduler
        timeline.note(
            "schema \(schema.name) v\(schema.version) (version in extra[\"\(schema.versionKey ?? "")\"]): "
                + schema.fields.map { "\($0.name): \($0.type.rawValue)" }.joined(separator: ", "))

        return try await orchestrator.withServices {
            var exports: [Export] = [], loads: [ConsumerRun] = []
            for run in 1...configuration.runs {
                let (export, load) = try await exportAndLoad(
                    run, orders: orders, landing: landing,
                    scheduler: scheduler, timeline: timeline)
                exports.append(export)
                loads.append(load)
            }
            var tampered: Int?
            if configuration.tamperRun > 0 {
                try appendLateRow(to: landing.appendingPathComponent("orders-\(configuration.tamperRun).csv"))
                tampered = configuration.tamperRun
                timeline.note(
                    "a late writer appended 1 row to landing/orders-\(configuration.tamperRun).csv "
                        + "after its event was emitted")
            }
            let audit = try await audit(orders, scheduler: scheduler, timeline: timeline)
            let (payload, converted) = try await inline(fx, scheduler: scheduler, timeline: timeline)
            let outcome = Outcome(
                exports: exports, consumerRuns: loads, tamperedRun: tampered, audit: audit,
                inlinePayload: payload, inlineExtraBytes: JSONValue.object(payload).jsonText.utf8.count,
                inlineConsumerResult: converted)
            return ExampleReport(
                item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
        }
    }

    /// One export and the load it triggered: the export noted at its event's time, the load when it ended.
    static func exportAndLoad(
        _ run: Int, orders: Asset, landing: URL, scheduler: Scheduler,
        timeline: Timeline
    ) async throws -> (Export, ConsumerRun) {
        let ref = try await scheduler.triggerRun("export_orders", conf: ["run": .number(Double(run))])
        _ = try await scheduler.waitForFinishedRuns(of: "export_orders", count: run)
        guard
            let event = try await scheduler.assetEvents(for: orders.key).last(where: {
                if case .task(_, let runId, _) = $0.source { runId == ref.runId } else { false }
            })
        else { throw ScenarioError.noEventFrom(run: run) }
        let fileBytes = (try? Data(contentsOf: landing.appendingPathComponent("orders-\(run).csv")).count) ?? 0
        let extraText = JSONValue.object(event.extra).jsonText
        let export = Export(
            run: run, eventId: event.id, extra: event.extra, extraBytes: extraText.utf8.count,
            fileBytes: fileBytes)
        timeline.note(
            "export run \(run) wrote landing/orders-\(run).csv (\(fileBytes) bytes) → event #\(event.id) "
                + "extra \(extraText)", at: event.timestamp)

        _ = try await scheduler.waitForFinishedRuns(of: "load_orders", count: run)
        guard let loadRun = try await scheduler.runs(of: "load_orders", consuming: event.id).first else {
            throw ScenarioError.noLoadRun(eventId: event.id)
        }
        let report = try loadRun.task("load")?.returnValue.map { try $0.decoded(as: LoadReport.self) }
        let load = ConsumerRun(
            eventId: event.id, exportRun: event.extra["run"]?.exactIntegerValue, state: loadRun.state,
            extraSeen: loadRun.triggeringAssetEvents.first?.extra ?? [:],
            validateState: loadRun.task("validate")?.state, loadState: loadRun.task("load")?.state,
            load: report)
        let states =
            "[" + loadRun.taskInstances.map { "\($0.taskId)=\($0.state.rawValue)" }.joined(separator: " ") + "]"
        if let report {
            note(timeline, "  load_orders run \(run) success: " + describe(report), at: loadRun.endedAt)
        } else {
            let failed = loadRun.taskInstances.first { $0.state == .failed }
            note(
                timeline,
                "  load_orders run \(run) \(loadRun.state.rawValue): \(failed?.taskId ?? "no task") refused: "
                    + (failed?.note ?? "") + " " + states, at: loadRun.endedAt)
        }
        return (export, load)
    }

    /// A late writer appends a row after the event announced the file: the claim no longer holds.
    static func appendLateRow(to file: URL) throws {
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("o-late-1,9.99\n".utf8))
    }

    /// Triggers audit_exports and reads its verdicts when it has finished.
    static func audit(_ orders: Asset, scheduler: Scheduler, timeline: Timeline) async throws -> [AuditEntry] {
        let ref = try await scheduler.triggerRun("audit_exports")
        _ = try await scheduler.waitForFinishedRuns(of: "audit_exports", count: 1)
        guard let run = try await scheduler.run(ref) else { throw ScenarioError.noRunOf(dagId: ref.dagId) }
        let entries = try run.task("audit")?.returnValue?.decoded(as: [AuditEntry].self) ?? []
        let verdicts = entries.map { entry in
            let problems = entry.problems.map(\.description) + entry.schemaViolations
            return "#\(entry.eventId) \(entry.verdict.rawValue)"
                + (problems.isEmpty ? "" : " (" + problems.joined(separator: "; ") + ")")
        }
        note(
            timeline,
            "audit_exports (manual, inlet \(orders.name): \(entries.count) events): "
                + verdicts.joined(separator: "; "), at: run.endedAt)
        return entries
    }

    /// publish_fx, then the convert_prices run its event triggered.
    static func inline(
        _ fx: Asset, scheduler: Scheduler,
        timeline: Timeline
    ) async throws -> ([String: JSONValue], JSONValue) {
        try await scheduler.triggerRun("publish_fx")
        let converts = try await scheduler.waitForFinishedRuns(of: "convert_prices", count: 1)
        guard let convert = converts.first else { throw ScenarioError.noRunOf(dagId: "convert_prices") }
        let payload = convert.triggeringAssetEvents.last?.extra ?? [:]
        let converted = convert.task("convert")?.returnValue ?? .null
        note(
            timeline,
            "publish_fx put the rates inline (\(JSONValue.object(payload).jsonText.utf8.count) bytes of "
                + "extra); convert_prices computed \(converted.jsonText)", at: convert.endedAt)
        return (payload, converted)
    }

    /// What a successful load returned, in words.
    static func describe(_ report: LoadReport) -> String {
        "re-read \(report.rowsRead) rows, row_count and fnv1a64 match; inlet history \(report.inletEventsSeen) event(s), "
            + (report.previousEventId.map { previous in
                let delta = report.delta ?? 0
                return "delta from the previous valid export #\(previous): \(delta >= 0 ? "+" : "")\(delta)"
            } ?? "no earlier valid export")
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let runs = outcome.consumerRuns
        let loaded = runs.filter { $0.load != nil }
        let refused = runs.filter { $0.validateState == .failed }
        let loadedExports = outcome.exports.filter { export in loaded.contains { $0.eventId == export.eventId } }
        let (extraBytes, fileBytes) = (
            loadedExports.map(\.extraBytes).reduce(0, +),
            loadedExports.map(\.fileBytes).reduce(0, +)
        )
        let count = { (verdict: Verdict) in outcome.audit.filter { $0.verdict == verdict }.count }
        let ownExtra = runs.allSatisfy { run in
            outcome.exports.contains { $0.eventId == run.eventId && $0.extra == run.extraSeen }
        }
        return [
            "asset events with metadata: \(outcome.exports.count); load_orders runs: \(runs.count), each seeing its own "
                + "event's extra: \(ownExtra)",
            "loaded with row_count and fnv1a64 verified against the file: \(loaded.count); refused by the schema before "
                + "loading: \(refused.count) (\(refused.compactMap { $0.exportRun.map { "run \($0)" } }.joined(separator: ", ")))",
            "claim check: \(extraBytes) bytes of extra stood for \(fileBytes) bytes of loaded files; audit of the history"
                + (outcome.tamperedRun == nil ? "" : " after a late write")
                + ": \(count(.verified)) verified, \(count(.mismatch)) mismatch, \(count(.unverifiable)) unverifiable",
            "inline payload used directly: \(outcome.inlineExtraBytes) bytes of extra, price_usd = "
                + "\(outcome.inlineConsumerResult["price_usd"]?.doubleValue.map { String($0) } ?? "none")",
        ]
    }
}
