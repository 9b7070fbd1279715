import Eventide
import EventideCLI
import Foundation

/// 95.1.4 — metadata travels with the asset event (`extra`): the producer says where the data is and what it
/// should look like (a claim check), the consumer reads it from its triggering event and from the asset's
/// event history, validates it against a shared schema and verifies the file against it.
enum AssetEventMetadata {
    static let item = "95.1.4"
    static let title = "Asset Event Metadata"

    struct Configuration: Sendable {
        var runs = 3
        /// The export run (1-based) that emits metadata breaking the schema; 0 for none.
        var badRun = 2
        /// The export run whose file is rewritten after its event was emitted; 0 for none.
        var tamperRun = 1
    }

    /// The contract between export_orders and its consumers.
    static let schema = ExtraSchema(name: "orders_export", version: 1, versionKey: "schema_version", fields: [
        .init("path", .string), .init("row_count", .integer), .init("fnv1a64", .string), .init("run", .integer)])

    struct Export: Codable, Sendable, Hashable {
        let run: Int
        let eventId: Int64
        let extra: [String: JSONValue]
        /// Size of the extra as stored (compact JSON) and of the file it points at.
        let extraBytes: Int
        let fileBytes: Int
    }

    /// What re-reading the file an event points at showed.
    struct ClaimCheck: Codable, Sendable, Hashable {
        let rowsInFile: Int?
        let checksumOfFile: String?
        /// Every way the file differs from its metadata (empty when it matches).
        let problems: [String]
        var verified: Bool { problems.isEmpty }
    }

    struct ConsumerRun: Codable, Sendable, Hashable {
        let eventId: Int64?
        let exportRun: Int?
        let state: DagRunState
        let extraSeen: [String: JSONValue]
        /// validate's note when it refused the metadata.
        let validation: String?
        let loadState: TaskState?
        let rowsRead: Int?
        let checksumVerified: Bool?
        let rowCountVerified: Bool?
        /// Events of the asset the load task saw in its inlet history.
        let inletEventsSeen: Int?
        /// Row count change against the previous schema-valid export, read from the inlet history.
        let deltaFromPrevious: Int?
        let previousEventId: Int64?
    }

    struct AuditEntry: Codable, Sendable, Hashable {
        let eventId: Int64
        let exportRun: Int?
        /// `verified`, `mismatch` (the file no longer matches its metadata) or `unverifiable` (metadata broken).
        let verdict: String
        let problems: [String]
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

    /// FNV-1a, 64 bit, of the bytes, as 16 hex digits: a cheap check that a file is the one the event
    /// announced (catches truncation and rewrites), not a cryptographic hash (it does not resist forgery).
    static func fnv1a64(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Data rows of a CSV file with a header line.
    static func csvRows(_ data: Data) -> Int {
        max(0, String(decoding: data, as: UTF8.self).split(separator: "\n").count - 1)
    }

    /// Re-reads the file `extra` points at and compares it with the row count and checksum `extra` claims.
    static func verify(_ extra: [String: JSONValue]) -> ClaimCheck {
        guard let path = extra["path"]?.stringValue else {
            return ClaimCheck(rowsInFile: nil, checksumOfFile: nil, problems: ["extra has no path"])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return ClaimCheck(rowsInFile: nil, checksumOfFile: nil, problems: ["cannot read \(path)"])
        }
        let rows = csvRows(data), checksum = fnv1a64(data)
        var problems: [String] = []
        if let claimed = extra["row_count"]?.exactIntegerValue, claimed != rows {
            problems.append("row_count is \(claimed) in extra, the file has \(rows) rows")
        }
        if let claimed = extra["fnv1a64"]?.stringValue, claimed != checksum {
            problems.append("fnv1a64 is \(claimed) in extra, the file hashes to \(checksum)")
        }
        return ClaimCheck(rowsInFile: rows, checksumOfFile: checksum, problems: problems)
    }

    /// The file behind an event does not match the event's metadata.
    struct ClaimMismatch: Error, CustomStringConvertible {
        let eventId: Int64
        let problems: [String]
        var description: String {
            "the file of event #\(eventId) does not match its metadata: \(problems.joined(separator: "; ")). "
                + "It changed after the event was emitted; re-export it instead of loading it."
        }
    }

    /// The CSV an export run writes: a header and `40 + 10 × run` rows.
    static func csv(run: Int) -> (data: Data, rows: Int) {
        let rows = (1...(40 + 10 * run)).map { "o-\(run)-\($0),\(Double($0) * 1.5)" }
        return (Data(("order_id,amount\n" + rows.joined(separator: "\n") + "\n").utf8), rows.count)
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let landing = try database.folder("landing", fresh: false)
        timeline.abbreviate(landing, as: "landing")
        let orders = try Asset(uri: "file://\(landing.path)/orders", name: "orders_export")
        let fx = try Asset(uri: "s3://lake/fx/latest", name: "fx_latest")
        let badRun = configuration.badRun

        let export = try DAG("export_orders", tasks: [TaskDefinition("write", outlets: [orders]) { context in
            let run = context.conf["run"]?.exactIntegerValue ?? 0
            let (data, rows) = csv(run: run)
            let file = landing.appendingPathComponent("orders-\(run).csv")
            try data.write(to: file)
            var extra: [String: JSONValue] = ["path": .string(file.path), "row_count": .number(Double(rows)),
                                              "fnv1a64": .string(fnv1a64(data)),
                                              "schema_version": .number(Double(schema.version)),
                                              "run": .number(Double(run))]
            if run == badRun {  // a producer bug: the count as text, the checksum forgotten
                extra["row_count"] = .string("\(rows)")
                extra.removeValue(forKey: "fnv1a64")
            }
            return TaskOutput(outletExtra: [orders.key: extra])
        }])
        // One load per export: .perEvent, so a run's triggering events are exactly one export.
        let load = try DAG("load_orders", schedule: .on([orders]), assetTriggering: .perEvent, tasks: [
            TaskDefinition("validate") { context in
                let events = context.triggeringEvents(of: orders)
                guard events.count == 1, let event = events.first else {
                    throw ExampleError("expected one triggering event of \(orders.name), got \(events.count)")
                }
                try schema.validate(event.extra)
                return TaskOutput(value: .object(event.extra))
            },
            TaskDefinition("load", upstream: ["validate"], inlets: [orders]) { context in
                let event = context.triggeringEvents(of: orders)[0]
                let check = verify(event.extra)
                guard check.verified else { throw ClaimMismatch(eventId: event.id, problems: check.problems) }
                // The asset's whole event history (Airflow's inlet_events): the previous valid export.
                let history = try await context.inletEvents(orders)
                let previous = history.last { $0.id < event.id && schema.violations(of: $0.extra).isEmpty }
                let delta = previous?.extra["row_count"]?.exactIntegerValue.map { (check.rowsInFile ?? 0) - $0 }
                return TaskOutput(value: [
                    "rows_read": .number(Double(check.rowsInFile ?? 0)), "checksum_verified": true,
                    "row_count_verified": true, "inlet_events_seen": .number(Double(history.count)),
                    "previous_event": previous.map { .number(Double($0.id)) } ?? .null,
                    "delta": delta.map { .number(Double($0)) } ?? .null])
            },
        ])
        // A manual audit over the asset's history: does every file still match what its event announced?
        let audit = try DAG("audit_exports", tasks: [TaskDefinition("audit", inlets: [orders]) { context in
            let entries: [JSONValue] = try await context.inletEvents(orders).map { event in
                let broken = schema.violations(of: event.extra)
                let check = broken.isEmpty ? verify(event.extra) : nil
                let verdict = !broken.isEmpty ? "unverifiable" : (check!.verified ? "verified" : "mismatch")
                return ["event": .number(Double(event.id)), "run": event.extra["run"] ?? .null,
                        "verdict": .string(verdict),
                        "problems": .array((broken.isEmpty ? check!.problems : broken).map(JSONValue.string))]
            }
            return TaskOutput(value: .array(entries))
        }])
        let publishFx = try DAG("publish_fx", tasks: [TaskDefinition("publish", outlets: [fx]) { _ in
            TaskOutput(outletExtra: [fx.key: ["rates": ["EUR": 1.0, "USD": 1.08, "GBP": 0.86], "as_of": "2026-11-23"]])
        }])
        let convert = try DAG("convert_prices", schedule: .on([fx]), tasks: [TaskDefinition("convert") { context in
            guard let usd = context.triggeringEvents(of: fx).last?.extra["rates"]?["USD"]?.doubleValue else {
                throw ExampleError("the fx event carries no USD rate")
            }
            return TaskOutput(value: ["price_eur": 100, "price_usd": .number((100 * usd * 100).rounded() / 100)])
        }])

        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [export, load, audit, publishFx, convert])
        try await orchestrator.requireFreshStore()
        _ = try database.folder("landing")  // empty it only now that the store is known to be new
        let scheduler = orchestrator.scheduler
        timeline.note("schema \(schema.name) v\(schema.version) (version in extra[\"\(schema.versionKey!)\"]): "
            + schema.fields.map { "\($0.name): \($0.type.rawValue)" }.joined(separator: ", "))

        let (exports, tampered, auditRun) = try await orchestrator.withServices {
            var exports: [Export] = []
            for run in 1...configuration.runs {
                try await scheduler.triggerRun("export_orders", conf: ["run": .number(Double(run))])
                let loads = try await scheduler.waitForFinishedRuns(of: "load_orders", count: run)
                let event = try await scheduler.assetEvents(for: orders.key).last!
                let file = landing.appendingPathComponent("orders-\(run).csv")
                let fileBytes = (try? Data(contentsOf: file).count) ?? 0
                let extraBytes = JSONValue.object(event.extra).jsonText.utf8.count
                exports.append(Export(run: run, eventId: event.id, extra: event.extra, extraBytes: extraBytes,
                                      fileBytes: fileBytes))
                timeline.note("export run \(run) wrote \(file.path) (\(fileBytes) bytes) → event #\(event.id) extra "
                    + JSONValue.object(event.extra).jsonText)
                let last = loads.last!
                let value = last.task("load")?.returnValue
                if last.state == .success {
                    timeline.note("  load_orders run \(loads.count) success: " + describeLoad(value))
                } else {
                    let failed = last.taskInstances.first { $0.state == .failed }
                    timeline.note("  load_orders run \(loads.count) \(last.state.rawValue): \(failed?.taskId ?? "?") refused: "
                        + "\(failed?.note ?? "")" + " [" + last.taskInstances.map { "\($0.taskId)=\($0.state.rawValue)" }
                            .joined(separator: " ") + "]")
                }
            }
            var tampered: Int?
            if configuration.tamperRun > 0 {
                // A late writer appends a row after the event announced the file: the claim no longer holds.
                let file = landing.appendingPathComponent("orders-\(configuration.tamperRun).csv")
                let handle = try FileHandle(forWritingTo: file)
                try handle.seekToEnd()
                try handle.write(contentsOf: Data("o-late-1,9.99\n".utf8))
                try handle.close()
                tampered = configuration.tamperRun
                timeline.note("a late writer appended 1 row to \(file.path) after its event was emitted")
            }
            let ref = try await scheduler.triggerRun("audit_exports")
            let auditRun = try await scheduler.waitForFinishedRuns(of: "audit_exports", count: 1).first { $0.runId == ref.runId }
            try await scheduler.triggerRun("publish_fx")
            _ = try await scheduler.waitForFinishedRuns(of: "convert_prices", count: 1)
            return (exports, tampered, auditRun)
        }

        let auditEntries = (auditRun?.task("audit")?.returnValue?.arrayValue ?? []).map { entry in
            AuditEntry(eventId: Int64(entry["event"]?.exactIntegerValue ?? 0), exportRun: entry["run"]?.exactIntegerValue,
                       verdict: entry["verdict"]?.stringValue ?? "?",
                       problems: entry["problems"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
        let verdicts = auditEntries.map { entry -> String in
            let problems = entry.problems.isEmpty ? "" : " (" + entry.problems.joined(separator: "; ") + ")"
            return "#\(entry.eventId) \(entry.verdict)" + problems
        }
        timeline.note("audit_exports (manual, inlet \(orders.name): \(auditEntries.count) events): "
            + verdicts.joined(separator: "; "))

        var consumerRuns: [ConsumerRun] = []
        for run in try await scheduler.runs(of: "load_orders") {
            let event = run.triggeringAssetEvents.last
            let value = run.task("load")?.returnValue
            consumerRuns.append(ConsumerRun(
                eventId: event?.id, exportRun: event?.extra["run"]?.exactIntegerValue, state: run.state,
                extraSeen: event?.extra ?? [:],
                validation: run.task("validate")?.state == .failed ? run.task("validate")?.note : nil,
                loadState: run.task("load")?.state, rowsRead: value?["rows_read"]?.exactIntegerValue,
                checksumVerified: value?["checksum_verified"]?.boolValue,
                rowCountVerified: value?["row_count_verified"]?.boolValue,
                inletEventsSeen: value?["inlet_events_seen"]?.exactIntegerValue,
                deltaFromPrevious: value?["delta"]?.exactIntegerValue,
                previousEventId: value?["previous_event"]?.exactIntegerValue.map(Int64.init)))
        }
        let fxExtra = try await scheduler.assetEvents(for: fx.key).last?.extra ?? [:]
        let converted = try await scheduler.runs(of: "convert_prices").first?.task("convert")?.returnValue ?? .null
        let inlineBytes = JSONValue.object(fxExtra).jsonText.utf8.count
        timeline.note("publish_fx put the rates inline (\(inlineBytes) bytes of extra); convert_prices computed \(converted.jsonText)")
        let outcome = Outcome(exports: exports, consumerRuns: consumerRuns, tamperedRun: tampered, audit: auditEntries,
                              inlinePayload: fxExtra, inlineExtraBytes: inlineBytes, inlineConsumerResult: converted)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// What a successful load task returned, in words.
    static func describeLoad(_ value: JSONValue?) -> String {
        let rows = value?["rows_read"]?.exactIntegerValue ?? 0
        let history = value?["inlet_events_seen"]?.exactIntegerValue ?? 0
        var text = "re-read \(rows) rows, row_count and fnv1a64 match; inlet history \(history) event(s), "
        if let previous = value?["previous_event"]?.exactIntegerValue {
            let delta = value?["delta"]?.exactIntegerValue ?? 0
            text += "delta from the previous valid export #\(previous): \(delta >= 0 ? "+" : "")\(delta)"
        } else {
            text += "no earlier valid export"
        }
        return text
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let runs = outcome.consumerRuns
        let loaded = runs.filter { $0.checksumVerified == true && $0.rowCountVerified == true }
        let refused = runs.filter { $0.validation != nil }
        let valid = outcome.exports.filter { schema.violations(of: $0.extra).isEmpty }
        let (extraBytes, fileBytes) = (valid.map(\.extraBytes).reduce(0, +), valid.map(\.fileBytes).reduce(0, +))
        let count = { (verdict: String) in outcome.audit.filter { $0.verdict == verdict }.count }
        return [
            "asset events with metadata: \(outcome.exports.count); load_orders runs: \(runs.count), each seeing its own "
                + "event's extra: \(zip(runs, outcome.exports).allSatisfy { $0.extraSeen == $1.extra })",
            "loaded with row_count and fnv1a64 verified against the file: \(loaded.count); refused by the schema before "
                + "loading: \(refused.count) (\(refused.compactMap { $0.exportRun.map { "run \($0)" } }.joined(separator: ", ")))",
            "claim check: \(extraBytes) bytes of extra stood for \(fileBytes) bytes of files; audit of the history "
                + "after a late write: \(count("verified")) verified, \(count("mismatch")) mismatch, "
                + "\(count("unverifiable")) unverifiable",
            "inline payload used directly: \(outcome.inlineExtraBytes) bytes of extra, price_usd = "
                + "\(outcome.inlineConsumerResult["price_usd"]?.doubleValue.map { String($0) } ?? "none")",
        ]
    }
}
