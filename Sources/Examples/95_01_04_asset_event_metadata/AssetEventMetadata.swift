import Eventide
import Foundation

/// 95.1.4 — metadata travels with the asset event (`extra`): the producer says where the data is and what it
/// should look like (a claim check), the consumer reads it from its triggering event and from the asset's
/// event history, validates it against a shared schema and verifies the file against it.
// Longer than one screen: a claim check has three parts that only make sense together (the schema and the
// check of a file against its claim, the producer and the consumer, the audit over the asset's history), and
// the inline payload sits beside it for contrast.
enum AssetEventMetadata {
    // [START claim]
    /// The contract between export_orders and its consumers.
    static let schema = ExtraSchema(
        name: "orders_export", version: 1, versionKey: "schema_version",
        fields: [
            .init("path", .string), .init("row_count", .integer), .init("fnv1a64", .string), .init("run", .integer),
        ])

    /// FNV-1a, 64 bit, as 16 hex digits: a cheap check that a file is the one the event announced (catches
    /// truncation and rewrites), not a cryptographic hash (it does not resist forgery).
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
        guard let path = extra["path"]?.stringValue else { return ClaimCheck(problems: [.noPath]) }
        guard let data = FileManager.default.contents(atPath: path) else {
            return ClaimCheck(problems: [.unreadable(path: path)])
        }
        let rows = csvRows(data), checksum = fnv1a64(data)
        var problems: [ClaimProblem] = []
        if let claimed = extra["row_count"]?.exactIntegerValue, claimed != rows {
            problems.append(.rowCount(claimed: claimed, inFile: rows))
        }
        if let claimed = extra["fnv1a64"]?.stringValue, claimed != checksum {
            problems.append(.checksum(claimed: claimed, inFile: checksum))
        }
        return ClaimCheck(rowsInFile: rows, checksumOfFile: checksum, problems: problems)
    }
    // [END claim]

    // [START producer]
    /// Writes `orders-N.csv` into `landing` and announces it: the event's extra is the claim check (path, row
    /// count, checksum, schema version). In run `badRun` it emits a producer bug: the count as text, no checksum.
    static func exportDag(orders: Asset, landing: URL, badRun: Int) throws -> DAG {
        try DAG(
            "export_orders",
            tasks: [
                TaskDefinition("write", outlets: [orders]) { context in
                    let run = context.conf["run"]?.exactIntegerValue ?? 0
                    let (data, rows) = csv(run: run)
                    let file = landing.appendingPathComponent("orders-\(run).csv")
                    try data.write(to: file)
                    var extra: [String: JSONValue] = [
                        "path": .string(file.path), "row_count": .number(Double(rows)),
                        "fnv1a64": .string(fnv1a64(data)), "run": .number(Double(run)),
                        "schema_version": .number(Double(schema.version)),
                    ]
                    if run == badRun {
                        extra["row_count"] = .string("\(rows)")
                        extra.removeValue(forKey: "fnv1a64")
                    }
                    return TaskOutput(outletExtra: [orders.key: extra])
                }
            ])
    }

    /// The CSV an export run writes: a header and `40 + 10 × run` rows.
    static func csv(run: Int) -> (data: Data, rows: Int) {
        let rows = (1...(40 + 10 * max(run, 0))).map { "o-\(run)-\($0),\(Double($0) * 1.5)" }
        return (Data(("order_id,amount\n" + rows.joined(separator: "\n") + "\n").utf8), rows.count)
    }
    // [END producer]

    // [START consumer]
    /// One load per export (`.perEvent`): validate the extra against the schema, then re-read the file and
    /// verify the claim, and find the previous valid export in the asset's history (Airflow's inlet_events).
    static func loadDag(orders: Asset) throws -> DAG {
        try DAG(
            "load_orders", schedule: .on([orders]), assetTriggering: .perEvent,
            tasks: [
                TaskDefinition("validate") { context in
                    let event = try onlyEvent(context.triggeringEvents(of: orders))
                    try schema.validate(event.extra)
                    return TaskOutput(value: .object(event.extra))
                },
                TaskDefinition("load", upstream: ["validate"], inlets: [orders]) { context in
                    let event = try onlyEvent(context.triggeringEvents(of: orders))
                    let check = verify(event.extra)
                    guard check.verified, let rows = check.rowsInFile else {
                        throw MetadataError.claimMismatch(eventId: event.id, problems: check.problems)
                    }
                    let history = try await context.inletEvents(orders)
                    let previous = history.last { $0.id < event.id && schema.violations(of: $0.extra).isEmpty }
                    let delta = previous?.extra["row_count"]?.exactIntegerValue.map { rows - $0 }
                    return TaskOutput(
                        value: try JSONValue(
                            encoding: LoadReport(
                                rowsRead: rows, inletEventsSeen: history.count, previousEventId: previous?.id,
                                delta: delta)))
                },
            ])
    }

    /// A manual audit over the asset's history: does every file still match what its event announced?
    static func auditDag(orders: Asset) throws -> DAG {
        try DAG(
            "audit_exports",
            tasks: [
                TaskDefinition("audit", inlets: [orders]) { context in
                    let entries = try await context.inletEvents(orders).map { event in
                        let broken = schema.violations(of: event.extra)
                        let check = broken.isEmpty ? verify(event.extra) : ClaimCheck(problems: [])
                        let verdict: Verdict =
                            !broken.isEmpty ? .unverifiable : (check.verified ? .verified : .mismatch)
                        return AuditEntry(
                            eventId: event.id, exportRun: event.extra["run"]?.exactIntegerValue,
                            verdict: verdict, problems: check.problems, schemaViolations: broken)
                    }
                    return TaskOutput(value: try JSONValue(encoding: entries))
                }
            ])
    }

    static func onlyEvent(_ events: [AssetEvent]) throws(MetadataError) -> AssetEvent {
        guard events.count == 1, let event = events.first else { throw .notOneEvent(count: events.count) }
        return event
    }
    // [END consumer]

    // [START inline]
    /// A few values need no claim check: the rates travel in extra, and the consumer uses them directly.
    static func fxDags(fx: Asset) throws -> (publish: DAG, convert: DAG) {
        let publish = try DAG(
            "publish_fx",
            tasks: [
                TaskDefinition("publish", outlets: [fx]) { _ in
                    TaskOutput(outletExtra: [
                        fx.key: ["rates": ["EUR": 1.0, "USD": 1.08, "GBP": 0.86], "as_of": "2026-11-23"]
                    ])
                }
            ])
        let convert = try DAG(
            "convert_prices", schedule: .on([fx]),
            tasks: [
                TaskDefinition("convert") { context in
                    guard let usd = context.triggeringEvents(of: fx).last?.extra["rates"]?["USD"]?.doubleValue else {
                        throw MetadataError.noRate(currency: "USD")
                    }
                    return TaskOutput(value: [
                        "price_eur": 100, "price_usd": .number((100 * usd * 100).rounded() / 100),
                    ])
                }
            ])
        return (publish, convert)
    }
    // [END inline]

    /// One way a file differs from the claim its event made.
    enum ClaimProblem: Codable, Sendable, Hashable, CustomStringConvertible {
        case noPath
        case unreadable(path: String)
        case rowCount(claimed: Int, inFile: Int)
        case checksum(claimed: String, inFile: String)

        var description: String {
            switch self {
            case .noPath: "extra has no path"
            case .unreadable(let path): "cannot read \(path)"
            case .rowCount(let claimed, let inFile): "row_count is \(claimed) in extra, the file has \(inFile) rows"
            case .checksum(let claimed, let inFile): "fnv1a64 is \(claimed) in extra, the file hashes to \(inFile)"
            }
        }
    }

    /// What re-reading the file an event points at showed.
    struct ClaimCheck: Codable, Sendable, Hashable {
        var rowsInFile: Int?
        var checksumOfFile: String?
        /// Every way the file differs from its metadata (empty when it matches).
        var problems: [ClaimProblem]
        var verified: Bool { problems.isEmpty }
    }

    /// What a successful load returned (its XCom value).
    struct LoadReport: Codable, Sendable, Hashable {
        let rowsRead: Int
        /// Events of the asset the load saw in its inlet history.
        let inletEventsSeen: Int
        /// The previous schema-valid export in that history, and the row count change against it.
        let previousEventId: Int64?
        let delta: Int?
    }

    enum Verdict: String, Codable, Sendable, Hashable {
        /// The file still matches its event's metadata.
        case verified
        /// The file no longer matches its metadata.
        case mismatch
        /// The metadata breaks the schema, so there is nothing to check the file against.
        case unverifiable
    }

    struct AuditEntry: Codable, Sendable, Hashable {
        let eventId: Int64
        let exportRun: Int?
        let verdict: Verdict
        let problems: [ClaimProblem]
        let schemaViolations: [String]
    }

    enum MetadataError: Error, Equatable, CustomStringConvertible {
        /// A `.perEvent` load got other than one event of its asset.
        case notOneEvent(count: Int)
        /// The file behind an event does not match the event's metadata.
        case claimMismatch(eventId: Int64, problems: [ClaimProblem])
        /// The inline payload lacks a rate the consumer needs.
        case noRate(currency: String)

        var description: String {
            switch self {
            case .notOneEvent(let count):
                "expected one triggering event of the orders export, got \(count); schedule the load with .perEvent"
            case .claimMismatch(let eventId, let problems):
                "the file of event #\(eventId) does not match its metadata: "
                    + problems.map(\.description).joined(separator: "; ")
                    + ". It changed after the event was emitted; re-export it instead of loading it."
            case .noRate(let currency): "the fx event carries no \(currency) rate; publish it in extra[\"rates\"]"
            }
        }
    }
}
