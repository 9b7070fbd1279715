import Eventide
import EventideCLI
import EventideHTTP
import EventideHTTPCLI
import Foundation

/// Drives `EventReplay.swift`: starts the REST API on 127.0.0.1 (a free port) with the orchestrator running, posts
/// orders as manual asset events (by asset_id, uri and name; and two requests the API refuses), takes the
/// warehouse down while some orders arrive, then replays: pending events by time range into a new run, the same
/// range again, processed events by id into a new run and by offsets into the consumer's queue. After each phase:
/// the runs it made, the rows loaded, processed versus pending.
extension EventReplay {
    static let item = "117.4.5"
    static let title = "Event Replay and Reprocessing"

    struct Configuration: Sendable {
        /// Orders posted before the outage, and while the warehouse is down.
        var ordersBefore = 3
        var ordersDuringOutage = 2
    }

    enum Phase: String, Codable, Sendable, CaseIterable {
        case live, outage, replayPending = "replay_pending", replayAgain = "replay_again"
        case forcedByIds = "forced_by_ids", forcedRequeue = "forced_requeue"
    }

    /// One request and the answer as the server sent it.
    struct Answer: Codable, Sendable, Hashable {
        let method: String
        let path: String
        /// How the event body addressed the asset (`asset_id`, `uri`, `name`), or nil.
        let addressedBy: String?
        let authorized: Bool
        let status: Int
        let body: JSONValue?
    }

    /// A run of `load_orders` and what its task did.
    struct RunSummary: Codable, Sendable, Hashable {
        let runType: DagRunType
        let state: DagRunState
        let consumed: [Int64]
        let applied: [Int64]
        let skipped: [Int64]
        let isReplay: Bool
    }

    /// Where things stood after a phase.
    struct Checkpoint: Codable, Sendable, Hashable {
        let phase: Phase
        let replay: ReplayResult?
        /// The runs the phase made, oldest first.
        let runs: [RunSummary]
        let loadedRows: Int
        /// Processed versus pending over the whole history.
        let status: ReplayStatus
    }

    struct Outcome: Codable, Sendable {
        let answers: [Answer]
        /// Recorded order events, ascending ids.
        let eventIds: [Int64]
        let checkpoints: [Checkpoint]
        let distinctOrdersLoaded: Int

        func checkpoint(_ phase: Phase) -> Checkpoint? { checkpoints.first { $0.phase == phase } }
        /// Every delivery of an event to `load`, over all runs.
        var deliveries: Int { checkpoints.flatMap(\.runs).map(\.consumed.count).reduce(0, +) }
    }

    static func run(_ configuration: Configuration = .init(), database: EventideDatabase) async throws
        -> ExampleReport<Outcome>
    {
        let timeline = Timeline()
        let orchestrator = Orchestrator(database: database)
        let scheduler = orchestrator.scheduler
        let orders = try orders()
        let ledger = try ledger(database, clock: scheduler.clock)
        let warehouse = Warehouse()
        try await orchestrator.register(
            dags: [try loader(orders, ledger: ledger, warehouse: warehouse)], assets: [orders])
        try await orchestrator.requireFreshStore()
        try await createWarehouse(database)
        // A deployment sets these in the server's environment; the example makes fresh ones for its run.
        let environment = [
            "EVENTIDE_API_SECRET": WebhookSecret.newValue(), "SHOP_API_PASSWORD": WebhookSecret.newValue(),
        ]
        let authenticator = try await access.authenticator(environment: environment, clock: scheduler.clock)
        let server = EventideHTTPServer(components: [AirflowAPI(scheduler: scheduler, authenticator: authenticator)])
        let story = Story(
            configuration: configuration, orders: orders, scheduler: scheduler, ledger: ledger, warehouse: warehouse,
            timeline: timeline)

        let (answers, checkpoints) = try await orchestrator.withServices {
            try await server.withRunning { running in
                timeline.note("REST API listening on \(running.host):<port> (Airflow REST API v2)")
                let client = HTTPExampleClient(baseURL: running.baseURL)
                do {
                    let result = try await story.play(
                        client: client, password: environment["SHOP_API_PASSWORD"] ?? "")
                    try await client.shutdown()
                    return result
                } catch {
                    try? await client.shutdown()
                    throw error
                }
            }
        }
        let distinct = try await database.transaction { tx in
            try tx.integer("SELECT COUNT(DISTINCT order_id) FROM loaded_order") ?? 0
        }
        let outcome = Outcome(
            answers: answers, eventIds: try await scheduler.assetEvents(for: orders.key).map(\.id),
            checkpoints: checkpoints, distinctOrdersLoaded: distinct)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// The phases, played in order against the running server.
    struct Story: Sendable {
        let configuration: Configuration
        let orders: Asset
        let scheduler: Scheduler
        let ledger: ProcessedEventLedger
        let warehouse: Warehouse
        let timeline: Timeline

        func play(client: HTTPExampleClient, password: String) async throws -> ([Answer], [Checkpoint]) {
            var answers: [Answer] = []
            var checkpoints: [Checkpoint] = []
            let api = API(client: client, timeline: timeline)
            let startedAt = scheduler.clock.date
            let token = try await api.login(password: password, into: &answers)
            let assetId = try await api.assetId(of: orders, token: token, into: &answers)

            // Live: orders posted by asset_id, uri and name; each makes its run, which loads it.
            var ledgerRuns = try await RunLedger(scheduler, dags: [consumer])
            let addresses: [(String, JSONValue)] = [
                ("asset_id", .number(Double(assetId))), ("uri", .string(orders.uri)), ("name", .string(orders.name)),
            ]
            for n in 0..<configuration.ordersBefore {
                let address = addresses[n % addresses.count]
                answers.append(try await api.post(order: n + 1, address: address, token: token))
                try await scheduler.waitUntilIdle(consumer)
            }
            checkpoints.append(try await checkpoint(.live, replay: nil, since: ledgerRuns))
            // Refused: no token, an unknown asset. Nothing is recorded for either.
            answers.append(try await api.post(order: 90, address: ("name", .string(orders.name)), token: nil))
            answers.append(try await api.post(order: 91, address: ("name", .string("order")), token: token))

            // Outage: the warehouse is down; the runs of these orders fail, their events stay pending.
            ledgerRuns = try await RunLedger(scheduler, dags: [consumer])
            warehouse.isUp = false
            timeline.note("the warehouse goes down")
            for n in 0..<configuration.ordersDuringOutage {
                let order = configuration.ordersBefore + n + 1
                answers.append(try await api.post(order: order, address: ("name", .string(orders.name)), token: token))
                try await scheduler.waitUntilIdle(consumer)
            }
            checkpoints.append(try await checkpoint(.outage, replay: nil, since: ledgerRuns))
            warehouse.isUp = true
            timeline.note("the warehouse is back")

            let ids = try await scheduler.assetEvents(for: orders.key).map(\.id)
            let window = ReplaySelection.timeRange(from: startedAt, until: scheduler.clock.date.addingTimeInterval(1))
            let replays: [(Phase, Replay)] = [
                (
                    .replayPending,
                    Replay(
                        says: "the story's time range, pending only", selection: window,
                        target: .newRun(dagId: consumer), policy: .pendingOnly)
                ),
                (
                    .replayAgain,
                    Replay(
                        says: "the same range again", selection: window, target: .newRun(dagId: consumer),
                        policy: .pendingOnly)
                ),
                (
                    .forcedByIds,
                    Replay(
                        says: "two loaded events by id, forced", selection: .eventIds([ids[0], ids[ids.count - 1]]),
                        target: .newRun(dagId: consumer), policy: .all)
                ),
                (
                    .forcedRequeue,
                    Replay(
                        says: "from offset \(ids[ids.count - 2]) on, forced, into load_orders' queue",
                        selection: .offsets(from: ids[ids.count - 2], through: nil),
                        target: .requeue(consumer: consumer), policy: .all)
                ),
            ]
            let replayer = EventReplayer(scheduler: scheduler)
            for (phase, replay) in replays {
                ledgerRuns = try await RunLedger(scheduler, dags: [consumer])
                let (result, _) = try await EventReplay.run(replay, of: orders, replayer: replayer, ledger: ledger)
                timeline.note(
                    "replay \(replay.says) (\(result.selection.kindName), \(replay.policy.rawValue)) → "
                        + "selected \(list(result.selected)), skipped as processed \(list(result.skippedAsProcessed)), "
                        + "sent \(list(result.replayed)) to \(replay.target)")
                try await scheduler.waitUntilIdle(consumer)
                checkpoints.append(try await checkpoint(phase, replay: result, since: ledgerRuns))
            }
            return (answers, checkpoints)
        }

        /// The runs made since `runs` was taken (noted), the rows loaded, processed versus pending.
        func checkpoint(_ phase: Phase, replay: ReplayResult?, since runs: RunLedger) async throws -> Checkpoint {
            let made = try await runs.newRuns(of: consumer).map(summary)
            for run in made {
                timeline.note(
                    "  \(consumer) \(run.isReplay ? "replay" : run.runType.rawValue) run consumed \(list(run.consumed))"
                        + " → \(run.state.rawValue): loaded \(list(run.applied)), skipped as processed "
                        + list(run.skipped))
            }
            let rows = try await scheduler.database.transaction { tx in
                try tx.integer("SELECT COUNT(*) FROM loaded_order") ?? 0
            }
            let status = try await EventReplayer(scheduler: scheduler)
                .status(of: orders.key, .offsets(from: 1, through: nil), ledger: ledger)
            timeline.note(
                "after \(phase.rawValue): \(rows) row(s) loaded; processed \(status.processedCount) "
                    + "\(list(status.processed)), pending \(status.pendingCount) \(list(status.pending))")
            return Checkpoint(phase: phase, replay: replay, runs: made, loadedRows: rows, status: status)
        }

        func summary(_ run: DagRun) -> RunSummary {
            let value = run.task("load")?.returnValue
            let ids = { (key: String) in
                value?[key]?.arrayValue?.compactMap { $0.doubleValue.map { Int64($0) } } ?? []
            }
            return RunSummary(
                runType: run.runType, state: run.state, consumed: run.triggeringAssetEvents.map(\.id),
                applied: ids("applied"), skipped: ids("skipped"), isReplay: run.conf["replay"] != nil)
        }
    }

    /// The REST client side: log in, find the asset, post order events; every answer noted as it arrives.
    struct API: Sendable {
        let client: HTTPExampleClient
        let timeline: Timeline

        func login(password: String, into answers: inout [Answer]) async throws -> String {
            let body = JSONValue.object(["username": "shop", "password": .string(password)])
            let exchange = try await client.send(.POST, "/auth/token", body: body.jsonText)
            let token = exchange.json?["access_token"]?.stringValue
            answers.append(note(exchange, addressedBy: nil, authorized: false))
            guard let token else { throw ScenarioError.loginRefused(status: exchange.status) }
            return token
        }

        func assetId(of asset: Asset, token: String, into answers: inout [Answer]) async throws -> Int64 {
            let exchange = try await client.send(
                .GET, "/api/v2/assets?name_pattern=\(asset.name)", headers: [("Authorization", "Bearer \(token)")])
            answers.append(note(exchange, addressedBy: nil, authorized: true))
            guard let id = exchange.json?["assets"]?.arrayValue?.first?["id"]?.doubleValue else {
                throw ScenarioError.assetNotListed(asset.name)
            }
            return Int64(id)
        }

        /// `POST /api/v2/assets/events` for order `n` (order id `A-100n`, amount `n × 10.5`).
        func post(order n: Int, address: (String, JSONValue), token: String?) async throws -> Answer {
            let body: JSONValue = [
                address.0: address.1,
                "extra": ["order_id": .string("A-\(1000 + n)"), "amount": .number(Double(n) * 10.5)],
            ]
            let headers = token.map { [("Authorization", "Bearer \($0)")] } ?? []
            let exchange = try await client.send(.POST, "/api/v2/assets/events", headers: headers, body: body.jsonText)
            return note(exchange, addressedBy: address.0, authorized: token != nil, sent: body)
        }

        /// Notes the exchange and keeps it, with an access token replaced (it is a credential).
        func note(_ exchange: HTTPExchange, addressedBy: String?, authorized: Bool, sent: JSONValue? = nil) -> Answer {
            var body = exchange.json.map(withoutNulls)
            if body?["access_token"] != nil { body = ["access_token": "<JWT, not shown>"] }
            timeline.note(
                "\(exchange.method) \(exchange.path)" + (sent.map { " \($0.jsonText)" } ?? "")
                    + (authorized ? "" : addressedBy == nil ? "" : " (no token)")
                    + " → \(exchange.status) \(body?.jsonText ?? exchange.body)")
            return Answer(
                method: exchange.method, path: exchange.path, addressedBy: addressedBy, authorized: authorized,
                status: exchange.status, body: body)
        }

        /// The answer without its null fields (Airflow answers every optional field).
        func withoutNulls(_ value: JSONValue) -> JSONValue {
            switch value {
            case .object(let fields): .object(fields.filter { $0.value != .null }.mapValues(withoutNulls))
            case .array(let items): .array(items.map(withoutNulls))
            default: value
            }
        }
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        case loginRefused(status: Int)
        case assetNotListed(String)

        var description: String {
            switch self {
            case .loginRefused(let status): "the API refused to log in shop (HTTP \(status)); check the configured user"
            case .assetNotListed(let name): "GET /api/v2/assets did not list \(name): was it registered?"
            }
        }
    }

    static func list(_ ids: [Int64]) -> String { "[" + ids.map { "#\($0)" }.joined(separator: ", ") + "]" }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let posted = outcome.answers.filter { $0.path == "/api/v2/assets/events" }
        let accepted = posted.filter { $0.status == 200 }
        let marked = accepted.allSatisfy { $0.body?["extra"]?["from_rest_api"] == .bool(true) }
        let refused = posted.filter { $0.status != 200 }.map { String($0.status) }
        let status = { (phase: Phase) in
            outcome.checkpoint(phase).map {
                "\($0.status.processedCount) processed / \($0.status.pendingCount) pending"
            }
                ?? "none"
        }
        let pending = outcome.checkpoint(.replayPending)
        let again = outcome.checkpoint(.replayAgain)
        let forced = [Phase.forcedByIds, .forcedRequeue].compactMap(outcome.checkpoint)
        let forcedRuns = forced.flatMap(\.runs)
        return [
            "manual asset events through the REST API: \(accepted.count) recorded (addressed by "
                + Set(accepted.compactMap(\.addressedBy)).sorted().joined(separator: ", ")
                + "), marked from_rest_api: \(marked), each answered with the run it created; refused: "
                + refused.joined(separator: ", ") + "; events recorded: \(outcome.eventIds.count)",
            "processed vs pending: after the live orders \(status(.live)), after the outage \(status(.outage)), "
                + "after the replay \(status(.replayPending))",
            "replay by time range, pending only: selected \(pending?.replay?.selected.count ?? 0), skipped "
                + "\(pending?.replay?.skippedAsProcessed.count ?? 0) processed, one new run loading "
                + list(pending?.runs.flatMap(\.applied) ?? []),
            "the same replay again: runs created \(again?.runs.count ?? -1), rows \(pending?.loadedRows ?? -1) → "
                + "\(again?.loadedRows ?? -1)",
            "forced replays (by ids into a new run, by offsets into the queue): \(forcedRuns.count) run(s), "
                + "\(forcedRuns.map(\.consumed.count).reduce(0, +)) deliveries, rows loaded "
                + "\(forcedRuns.map(\.applied.count).reduce(0, +))",
            "in all: \(outcome.deliveries) deliveries of \(outcome.eventIds.count) events, "
                + "\(outcome.checkpoints.last?.loadedRows ?? 0) rows for \(outcome.distinctOrdersLoaded) distinct orders",
        ]
    }
}

extension ReplaySelection {
    /// The kind of selection, for the narrative (the time range's bounds vary run to run).
    var kindName: String {
        switch self {
        case .timeRange: "time range"
        case .offsets(let from, let through): "offsets \(from)…" + (through.map(String.init) ?? "")
        case .eventIds(let ids): "event ids " + ids.map(String.init).joined(separator: ", ")
        }
    }
}
