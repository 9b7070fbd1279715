import Eventide
import EventideCLI
import Foundation

/// 95.1.4 — metadata travels with the asset event (`extra`): the producer says where the data is and what
/// it should look like, the consumer reads it from its triggering events and verifies it.
enum AssetEventMetadata {
    static let item = "95.1.4"
    static let title = "Asset Event Metadata"

    struct Configuration: Sendable {
        var runs = 3
        var badRun = 2
    }

    /// The contract between export_orders and load_orders.
    static let schema = ExtraSchema(name: "orders_export", version: 1, fields: [
        .init("path", .string), .init("row_count", .integer), .init("fnv1a64", .string),
        .init("schema_version", .integer), .init("run", .integer)])

    struct ConsumerRun: Codable, Sendable, Hashable {
        let exportRun: Int?
        let state: DagRunState
        let extraSeen: [String: JSONValue]
        let validation: String?
        let rowsRead: Int?
        let checksumVerified: Bool?
        /// Row count change against the previous export, read from the asset's event history (inlet events).
        let deltaFromPrevious: Int?
    }

    struct Outcome: Codable, Sendable {
        let emittedExtra: [[String: JSONValue]]
        let consumerRuns: [ConsumerRun]
        let inlinePayload: JSONValue
        let inlineConsumerResult: JSONValue
    }

    /// FNV-1a (64 bit) of the bytes: a cheap integrity check, not a cryptographic one.
    static func fnv1a64(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return String(hash, radix: 16)
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let landing = try database.folder("landing")
        let orders = try Asset(uri: "file://\(landing.path)/orders", name: "orders_export")
        let fx = try Asset(uri: "s3://lake/fx/latest", name: "fx_latest")
        let badRun = configuration.badRun

        let export = try DAG("export_orders", tasks: [TaskDefinition("write", outlets: [orders]) { context in
            let run = context.conf["run"]?.intValue ?? 0
            let rows = (1...(40 + 10 * run)).map { "o-\(run)-\($0),\(Double($0) * 1.5)" }
            let data = Data(("order_id,amount\n" + rows.joined(separator: "\n") + "\n").utf8)
            let file = landing.appendingPathComponent("orders-\(run).csv")
            try data.write(to: file)
            var extra: [String: JSONValue] = ["path": .string(file.path), "row_count": .number(Double(rows.count)),
                                              "fnv1a64": .string(fnv1a64(data)), "schema_version": 1,
                                              "run": .number(Double(run))]
            if run == badRun { extra["row_count"] = .string("\(rows.count)"); extra["fnv1a64"] = nil }
            return TaskOutput(outletExtra: [orders.key: extra])
        }])
        let load = try DAG("load_orders", schedule: .on([orders]), assetTriggering: .perEvent, tasks: [
            TaskDefinition("validate") { context in
                guard let event = context.triggeringEvents(of: orders).last else { throw ExampleError("no event") }
                try schema.validate(event.extra)
                return TaskOutput(value: .object(event.extra))
            },
            TaskDefinition("load", upstream: ["validate"], inlets: [orders]) { context in
                let extra = context.upstreamValues["validate"]?.objectValue ?? [:]
                let data = try Data(contentsOf: URL(fileURLWithPath: extra["path"]?.stringValue ?? ""))
                let rows = String(decoding: data, as: UTF8.self).split(separator: "\n").count - 1
                // The asset's whole event history: the previous valid export's row count.
                let history = try await context.inletEvents(orders)
                let current = context.triggeringEvents(of: orders).last?.id ?? 0
                let previous = history.last { $0.id < current && schema.violations(of: $0.extra).isEmpty }
                return TaskOutput(value: [
                    "rows_read": .number(Double(rows)),
                    "checksum_verified": .bool(fnv1a64(data) == extra["fnv1a64"]?.stringValue),
                    "delta": previous?.extra["row_count"]?.intValue.map { .number(Double(rows - $0)) } ?? .null])
            },
        ])
        let publishFx = try DAG("publish_fx", tasks: [TaskDefinition("publish", outlets: [fx]) { _ in
            TaskOutput(outletExtra: [fx.key: ["rates": ["EUR": 1.0, "USD": 1.08, "GBP": 0.86], "as_of": "2026-11-23"]])
        }])
        let convert = try DAG("convert_prices", schedule: .on([fx]), tasks: [TaskDefinition("convert") { context in
            let rates = context.triggeringEvents(of: fx).last?.extra["rates"]
            let usd = rates?["USD"]?.doubleValue ?? 0
            return TaskOutput(value: ["price_eur": 100, "price_usd": .number((100 * usd * 100).rounded() / 100)])
        }])

        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [export, load, publishFx, convert])
        let scheduler = orchestrator.scheduler
        timeline.note("schema \(schema.name) v\(schema.version): " + schema.fields.map { "\($0.name): \($0.type.rawValue)" }
            .joined(separator: ", "))
        try await orchestrator.withServices {
            for run in 1...configuration.runs {
                try await scheduler.triggerRun("export_orders", conf: ["run": .number(Double(run))])
                let loads = try await scheduler.waitForFinishedRuns(of: "load_orders", count: run)
                let event = try await scheduler.assetEvents(for: orders.key).last
                let extra = event?.extra ?? [:]
                timeline.note("export run \(run) emitted extra {" + extra.keys.sorted().filter { $0 != "path" }
                    .map { "\($0): \(extra[$0]!.jsonText)" }.joined(separator: ", ") + "}")
                let last = loads.last!
                let load = last.task("load")?.returnValue
                timeline.note("  load_orders \(last.state.rawValue): " + (last.state == .success
                    ? "read \(load?["rows_read"]?.intValue ?? 0) rows, checksum verified: \(load?["checksum_verified"]?.boolValue ?? false), "
                        + "delta from previous export: \(load?["delta"]?.intValue.map(String.init) ?? "none")"
                    : "validate refused the metadata: \(last.task("validate")?.note ?? "")"))
            }
            try await scheduler.triggerRun("publish_fx")
            _ = try await scheduler.waitForFinishedRuns(of: "convert_prices", count: 1)
        }

        var consumerRuns: [ConsumerRun] = []
        for run in try await scheduler.runs(of: "load_orders") {
            let extra = run.triggeringAssetEvents.last?.extra ?? [:]
            let load = run.task("load")?.returnValue
            consumerRuns.append(ConsumerRun(
                exportRun: extra["run"]?.intValue, state: run.state, extraSeen: extra,
                validation: run.task("validate")?.state == .failed ? run.task("validate")?.note : nil,
                rowsRead: load?["rows_read"]?.intValue, checksumVerified: load?["checksum_verified"]?.boolValue,
                deltaFromPrevious: load?["delta"]?.intValue))
        }
        let fxEvent = try await scheduler.assetEvents(for: fx.key).last
        let converted = try await scheduler.runs(of: "convert_prices").first?.task("convert")?.returnValue ?? .null
        timeline.note("publish_fx passed rates inline; convert_prices computed \(converted.jsonText)")
        let outcome = Outcome(emittedExtra: try await scheduler.assetEvents(for: orders.key).map(\.extra),
                              consumerRuns: consumerRuns, inlinePayload: .object(fxEvent?.extra ?? [:]),
                              inlineConsumerResult: converted)
        let verified = consumerRuns.filter { $0.checksumVerified == true }.count
        let refused = consumerRuns.filter { $0.validation != nil }.count
        let proved = [
            "asset events with metadata: \(outcome.emittedExtra.count); consumer runs: \(consumerRuns.count)",
            "files verified against the checksum in extra: \(verified); metadata refused by the schema: \(refused)",
            "row-count deltas from the asset's event history: "
                + consumerRuns.compactMap { $0.deltaFromPrevious.map(String.init) }.joined(separator: ", "),
            "inline payload used directly: price_usd = \(converted["price_usd"]?.doubleValue ?? 0)",
        ]
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved)
    }
}
