import Eventide
import EventideCLI
import Foundation

/// Drives `EventDrivenPipeline.swift`: drops four files into the landing folder one after the other (a good one,
/// one whose load fails transiently, a poison one, the first one again) and measures each stage's latency from
/// the asset events the run recorded.
extension EventDrivenPipeline {
    static let item = "117.5.5"
    static let title = "Event-Driven Data Pipeline"

    struct Configuration: Sendable {
        /// Loads of orders_002.csv that fail before one succeeds (the load task retries 3 times).
        var transientFailures = 2
    }

    enum Stage: String, Codable, Sendable, CaseIterable { case landed, validated, transformed, loaded }
    enum Fate: String, Codable, Sendable { case loaded, duplicate, deadLettered = "dead_lettered" }

    /// One file dropped into the landing folder and what became of it.
    struct Drop: Codable, Sendable, Hashable {
        let file: String
        let landedEventId: Int64
        let fate: Fate
        /// Loads of this file the warehouse saw, failed ones included.
        let loadAttempts: Int
        /// From the drop to each stage's asset event, by stage (only the stages it reached).
        let latencyMilliseconds: [String: Double]
        let deadLetterReason: String?
    }

    struct StageLatency: Codable, Sendable, Hashable {
        let stage: Stage
        let samples: Int
        let p50Milliseconds: Double
        let maxMilliseconds: Double
    }

    struct Outcome: Codable, Sendable {
        let watch: String?
        let drops: [Drop]
        let deadLetters: Int
        /// Distinct files and rows in the warehouse at the end.
        let warehouseFiles: Int
        let warehouseRows: Int
        let latencies: [StageLatency]
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let landing = URL(fileURLWithPath: database.path).deletingLastPathComponent()
            .appending(path: "landing-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: landing, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: landing) }
        timeline.abbreviate(landing, as: "landing")
        let orchestrator = Orchestrator(database: database)
        let assets = try Assets(landing: landing)
        let warehouse = Warehouse(transientFailures: ["orders_002.csv": configuration.transientFailures])
        let deadLetters = DeadLetterQueue(database: database, clock: orchestrator.clock)
        try await orchestrator.register(
            dags: try dags(assets, warehouse: warehouse, deadLetters: deadLetters),
            assets: [assets.landed, assets.validated, assets.transformed, assets.loaded])
        try await orchestrator.requireFreshStore()
        let pipeline = Pipeline(
            orchestrator: orchestrator, assets: assets, warehouse: warehouse, deadLetters: deadLetters,
            landing: landing, timeline: timeline)
        let drops = try await orchestrator.withServices {
            [
                try await pipeline.drop("orders_001.csv", "order_id,amount\nA-1,12.50\nA-2,7.25\nA-3,30.00\n"),
                try await pipeline.drop("orders_002.csv", "order_id,amount\nB-1,99.99\nB-2,0.01\n"),
                try await pipeline.drop("orders_003.csv", "order_id,amount\nC-1,12.00\nC-2,twelve\n"),
                try await pipeline.drop("orders_001.csv", "order_id,amount\nA-1,12.50\nA-2,7.25\nA-3,30.00\n"),
            ]
        }
        let rows = await warehouse.rows
        let watch = (assets.landed.watchers.first?.trigger as? InotifyFileTrigger)?.mechanism?.name
        let outcome = Outcome(
            watch: watch, drops: drops, deadLetters: try await deadLetters.list().count, warehouseFiles: rows.count,
            warehouseRows: rows.values.map(\.count).reduce(0, +), latencies: latencies(drops))
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    struct Pipeline: Sendable {
        let orchestrator: Orchestrator
        let assets: Assets
        let warehouse: Warehouse
        let deadLetters: DeadLetterQueue
        let landing: URL
        let timeline: Timeline
        var scheduler: Scheduler { orchestrator.scheduler }

        /// Writes the file, then follows it through the stages until it is loaded or dead-lettered.
        func drop(_ name: String, _ content: String) async throws -> Drop {
            let path = landing.appending(path: name).path
            let before = try await events(of: assets.landed).map(\.id).max() ?? 0
            let droppedAt = Date()
            try Data(content.utf8).write(to: URL(fileURLWithPath: path))
            timeline.note("drop \(path) (\(content.split(separator: "\n").count - 1) orders)", at: droppedAt)
            var landed: AssetEvent?
            try await waitUntil {
                let found = try await events(of: assets.landed).first {
                    $0.id > before && $0.extra["payload"]?["path"]?.stringValue == path
                }
                return found != nil
            }
            landed = try await events(of: assets.landed).first {
                $0.id > before && $0.extra["payload"]?["path"]?.stringValue == path
            }
            guard let landed else { throw WaitError.ended(waitingFor: "the landed event of \(name)") }
            var stageEvents: [Stage: AssetEvent] = [.landed: landed]
            var letter: DeadLetter?
            try await waitUntil {
                if try await deadLetters.list(source: "landed_files").contains(where: { $0.messageId == "\(landed.id)" }
                ) {
                    return true
                }
                return try await stageEvent(.loaded, of: landed.id) != nil
            }
            letter = try await deadLetters.list(source: "landed_files").first { $0.messageId == "\(landed.id)" }
            for stage in [Stage.validated, .transformed, .loaded] {
                if let event = try await stageEvent(stage, of: landed.id) { stageEvents[stage] = event }
            }
            let loadedFile = stageEvents[.loaded].flatMap { file(in: $0, landedEvent: landed.id) }
            let fate: Fate =
                letter != nil ? .deadLettered : loadedFile?["loaded"] == .bool(true) ? .loaded : .duplicate
            for stage in Stage.allCases {
                guard let event = stageEvents[stage] else { continue }
                timeline.note("\(name): \(assetName(stage)) event #\(event.id)", at: event.timestamp)
            }
            let attempts = await warehouse.attempts[name] ?? 0
            if let letter {
                timeline.note("\(name): dead-lettered: \(letter.reason)", at: letter.deadLetteredAt)
            } else if let loaded = stageEvents[.loaded] {
                timeline.note(
                    "\(name): \(fate.rawValue) (the warehouse has seen \(attempts) load(s) of it)", at: loaded.timestamp
                )
            }
            return Drop(
                file: name, landedEventId: landed.id, fate: fate, loadAttempts: attempts,
                latencyMilliseconds: Dictionary(
                    uniqueKeysWithValues: stageEvents.map {
                        ($0.key.rawValue, $0.value.timestamp.timeIntervalSince(droppedAt) * 1000)
                    }),
                deadLetterReason: letter?.reason)
        }

        func assetName(_ stage: Stage) -> String {
            switch stage {
            case .landed: assets.landed.name
            case .validated: assets.validated.name
            case .transformed: assets.transformed.name
            case .loaded: assets.loaded.name
            }
        }

        func events(of asset: Asset) async throws -> [AssetEvent] {
            try await scheduler.allAssetEvents().filter { $0.asset == asset.key }
        }

        /// The stage's event that carries the file of landed event `id`.
        func stageEvent(_ stage: Stage, of id: Int64) async throws -> AssetEvent? {
            let asset =
                stage == .validated ? assets.validated : stage == .transformed ? assets.transformed : assets.loaded
            return try await events(of: asset).first { file(in: $0, landedEvent: id) != nil }
        }

        func file(in event: AssetEvent, landedEvent id: Int64) -> JSONValue? {
            event.extra["files"]?.arrayValue?.first { $0["landed_event"] == .number(Double(id)) }
        }

        /// Polls every 10 ms until `condition` holds.
        func waitUntil(_ condition: @escaping @Sendable () async throws -> Bool) async throws {
            try await WaitDeadline.seconds(30).poll(
                every: .milliseconds(10), waitingFor: "the file to go through the pipeline", until: condition)
        }
    }

    /// p50 and max of each stage's latency over the drops that reached it.
    static func latencies(_ drops: [Drop]) -> [StageLatency] {
        Stage.allCases.compactMap { stage in
            let values = drops.compactMap { $0.latencyMilliseconds[stage.rawValue] }.sorted()
            guard let max = values.last else { return nil }
            return StageLatency(
                stage: stage, samples: values.count, p50Milliseconds: values[(values.count - 1) / 2],
                maxMilliseconds: max)
        }
    }

    static func proved(_ outcome: Outcome) -> [String] {
        let fates = outcome.drops.map { "\($0.file) \($0.fate.rawValue)" }.joined(separator: ", ")
        let retried = outcome.drops.first { $0.file == "orders_002.csv" }
        return [
            "end to end, watched by \(outcome.watch ?? "-"): \(fates)",
            "retries: orders_002.csv took \(retried?.loadAttempts ?? 0) load attempt(s), the failed ones retried with backoff",
            "error handling: \(outcome.deadLetters) dead letter(s): "
                + outcome.drops.compactMap(\.deadLetterReason).joined(separator: "; "),
            "idempotence: the warehouse holds \(outcome.warehouseFiles) file(s), \(outcome.warehouseRows) rows after "
                + "\(outcome.drops.count) drops",
        ]
            + outcome.latencies.map { latency in
                String(
                    format: "latency to %@: p50 %.0f ms, max %.0f ms over %d file(s)", latency.stage.rawValue,
                    latency.p50Milliseconds, latency.maxMilliseconds, latency.samples)
            }
    }
}
