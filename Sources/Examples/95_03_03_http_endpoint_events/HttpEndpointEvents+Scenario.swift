import Eventide
import EventideCLI
import EventideHTTP
import Foundation

/// Drives `HttpEndpointEvents.swift`: a service that starts late (refused, 503, warming, ok) in poke mode, a
/// refused credential, the deferrable mode, then the timeout strategies side by side on the same endpoint.
extension HttpEndpointEvents {
    static let item = "95.3.3"
    static let title = "HTTP Endpoint Events"

    struct Configuration: Sendable {
        /// Requests the late service answers before `ok` (half 503 `starting`, half 200 `warming`).
        var readyAfterRequests = 4
        /// For the strategies: the service is ready this long after its first request. Long enough that a fixed
        /// interval still sends more requests than backoff when every poke takes a few hundred ms more than its
        /// interval on a loaded machine (at 1.2 s, a loaded CI run had both at 5).
        var readyAfter: Duration = .seconds(3)
        var pokeInterval: Duration = .milliseconds(100)
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        /// A run the scenario triggered did not show up among the finished runs.
        case runNotFound(DagRunRef)
        var description: String {
            switch self {
            case .runNotFound(let ref): "run \(ref) did not finish; the executor is broken"
            }
        }
    }

    /// One sensor's wait: how it ended, what the endpoint answered and what the downstream task received.
    struct Wait: Codable, Sendable, Hashable {
        let dagId: String
        let mode: SensorMode
        let sensorState: TaskState?
        let downstreamState: TaskState?
        /// Pokes by the worker (a deferred task's trigger sends requests, not pokes).
        let pokes: Int
        /// The statuses the endpoint answered, in order.
        let answers: [Int]
        /// Requests nobody answered (connection refused): the worker's pokes minus the answers, in poke mode.
        let refused: Int
        let returned: JSONValue?
        let downstreamReturned: JSONValue?
        /// Worker slots in use while the sensor waited.
        let slotsHeldWhileWaiting: Int
        let waitedMilliseconds: Double
    }

    /// One timeout strategy against a service ready `readyAfter` past its first request.
    struct StrategyResult: Codable, Sendable, Hashable {
        let strategy: Strategy
        let sensorState: TaskState?
        /// From the moment the service was ready to the first request that found it ready; `nil`: it gave up.
        let detectedAfterMilliseconds: Double?
        let waitedMilliseconds: Double
        /// When each request reached the service, in ms after the first: the schedule the strategy kept.
        let requestOffsetsMilliseconds: [Double]

        var requests: Int { requestOffsetsMilliseconds.count }
    }

    struct Outcome: Codable, Sendable {
        let poke: Wait
        let fatal: Wait
        let deferrable: Wait
        let strategies: [StrategyResult]
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let orchestrator = Orchestrator(database: database)
        let late = ServiceHealth(path: "/health", readiness: .afterRequests(configuration.readyAfterRequests))
        let secure = ServiceHealth(path: "/secure/health", readiness: .afterRequests(0), token: "current-token")
        let deferred = ServiceHealth(
            path: "/deferred/health", readiness: .afterRequests(configuration.readyAfterRequests))
        let strategies = Strategy.allCases.map { strategy in
            (
                strategy,
                ServiceHealth(path: "/\(strategy.rawValue)/health", readiness: .afterTime(configuration.readyAfter))
            )
        }
        // Nothing listens there yet.
        let latePort = try await EventideHTTPServer(components: []).withRunning { $0.port }
        let outcome = try await EventideHTTPServer(components: [secure, deferred] + strategies.map(\.1)).withRunning {
            server in
            let interval = configuration.pokeInterval
            let poke = SensorSettings(pokeInterval: interval, timeout: .seconds(60))
            try await orchestrator.register(
                dags: [
                    try syncCatalog("sync_when_up", url: "http://127.0.0.1:\(latePort)/health", settings: poke),
                    try syncCatalog(
                        "sync_with_stale_token", url: server.baseURL + secure.path,
                        headers: ["Authorization": "Bearer expired-token"], settings: poke),
                    try syncCatalog(
                        "sync_deferred", url: server.baseURL + deferred.path,
                        settings: SensorSettings(mode: .deferrable, pokeInterval: interval, timeout: .seconds(60))),
                ]
                    + strategies.map { strategy, health in
                        try syncCatalog(
                            "sync_\(strategy.rawValue)", url: server.baseURL + health.path,
                            settings: strategy.settings(interval: interval))
                    })
            try await orchestrator.requireFreshStore()
            return try await orchestrator.withServices {
                let scenario = Scenario(orchestrator: orchestrator, timeline: timeline)
                let poke = try await scenario.lateService(late, port: latePort)
                let fatal = try await scenario.wait("sync_with_stale_token", mode: .poke, health: secure)
                let deferrable = try await scenario.wait("sync_deferred", mode: .deferrable, health: deferred)
                var results: [StrategyResult] = []
                for (strategy, health) in strategies {
                    results.append(try await scenario.compare(strategy, health: health, configuration))
                }
                return Outcome(poke: poke, fatal: fatal, deferrable: deferrable, strategies: results)
            }
        }
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    struct Scenario: Sendable {
        let orchestrator: Orchestrator
        let timeline: Timeline
        var scheduler: Scheduler { orchestrator.scheduler }

        /// The service is not listening when the sensor starts: its first pokes are refused; then it starts.
        func lateService(_ health: ServiceHealth, port: Int) async throws -> Wait {
            let ref = try await scheduler.triggerRun("sync_when_up")
            try await waitUntil { try await pokes(ref) >= 2 }
            let held = orchestrator.executor.slots.snapshot().inUse
            timeline.note("sync_when_up: nothing listens on the service's port: the first pokes are refused, retried")
            return try await EventideHTTPServer(port: port, components: [health]).withRunning { _ in
                try await finish(ref, mode: .poke, health: health, held: held)
            }
        }

        /// Triggers `dagId` and follows its sensor to the end.
        func wait(_ dagId: String, mode: SensorMode, health: ServiceHealth) async throws -> Wait {
            let ref = try await scheduler.triggerRun(dagId)
            var held = 1
            if mode == .deferrable {
                try await waitUntil { try await scheduler.run(ref)?.task("wait_for_pricing")?.state == .deferred }
                held = orchestrator.executor.slots.snapshot().inUse
            }
            return try await finish(ref, mode: mode, health: health, held: held)
        }

        func finish(_ ref: DagRunRef, mode: SensorMode, health: ServiceHealth, held: Int) async throws -> Wait {
            let run = try await finished(ref)
            let (sensor, sync) = (run.task("wait_for_pricing"), run.task("sync_catalog"))
            let answered = health.answered
            for answer in answered {
                timeline.note(
                    "\(health.path) answers request #\(answer.number): \(answer.status) \(answer.state)", at: answer.at)
            }
            let pokes = try await pokes(ref)
            timeline.note(
                "\(ref.dagId): wait_for_pricing \(sensor?.state.rawValue ?? "-") after \(pokes) poke(s)"
                    + (mode == .deferrable ? " (deferred to HttpSensorTrigger, holding \(held) worker slots)" : "")
                    + (sensor?.returnValue.map { ", returned \($0.jsonText)" } ?? "")
                    + "; sync_catalog \(sync?.state.rawValue ?? "-")"
                    + (sync?.returnValue.map { " with \($0.jsonText)" } ?? ""), at: run.endedAt ?? Date())
            return Wait(
                dagId: ref.dagId, mode: mode, sensorState: sensor?.state, downstreamState: sync?.state, pokes: pokes,
                answers: answered.map(\.status), refused: mode == .poke ? max(pokes - answered.count, 0) : 0,
                returned: sensor?.returnValue, downstreamReturned: sync?.returnValue, slotsHeldWhileWaiting: held,
                waitedMilliseconds: milliseconds(from: sensor?.startedAt, to: sensor?.endedAt) ?? 0)
        }

        /// One strategy against its own service, ready `readyAfter` past the first request.
        func compare(_ strategy: Strategy, health: ServiceHealth, _ configuration: Configuration) async throws
            -> StrategyResult
        {
            let run = try await finished(try await scheduler.triggerRun("sync_\(strategy.rawValue)"))
            let sensor = run.task("wait_for_pricing")
            let answered = health.answered
            // Detected when a request first found it ready (both instants stamped by the endpoint).
            let readyAt = answered.first?.at.addingTimeInterval(configuration.readyAfter.inSeconds)
            let detected =
                sensor?.state == .success
                ? milliseconds(from: readyAt, to: answered.first { $0.state == "ok" }?.at) : nil
            let result = StrategyResult(
                strategy: strategy, sensorState: sensor?.state,
                detectedAfterMilliseconds: detected,
                waitedMilliseconds: milliseconds(from: sensor?.startedAt, to: sensor?.endedAt) ?? 0,
                requestOffsetsMilliseconds: answered.map { milliseconds(from: answered.first?.at, to: $0.at) ?? 0 })
            timeline.note(
                "\(strategy.rawValue): \(sensor?.state.rawValue ?? "-") after \(result.requests) requests, "
                    + (detected.map { String(format: "%.0f ms after the service was ready", $0) }
                        ?? String(format: "gave up after %.0f ms", result.waitedMilliseconds)),
                at: run.endedAt ?? Date())
            return result
        }

        func finished(_ ref: DagRunRef) async throws -> DagRun {
            let runs = try await scheduler.waitForFinishedRuns(of: ref.dagId, count: 1)
            guard let run = runs.first(where: { $0.ref == ref }) else { throw ScenarioError.runNotFound(ref) }
            return run
        }

        func pokes(_ ref: DagRunRef) async throws -> Int {
            try await SensorProgress.read(ref, taskId: "wait_for_pricing", tryNumber: 1, in: orchestrator.database)?
                .pokes ?? 0
        }

        func milliseconds(from start: Date?, to end: Date?) -> Double? {
            guard let start, let end else { return nil }
            return end.timeIntervalSince(start) * 1000
        }

        /// Polls until `condition` holds (the scenario watches tasks it does not await).
        func waitUntil(_ condition: @escaping @Sendable () async throws -> Bool) async throws {
            try await WaitDeadline.seconds(30).poll(
                waitingFor: "the sensor to reach the awaited state", until: condition)
        }
    }

    static func proved(_ outcome: Outcome) -> [String] {
        let (poke, fatal, deferrable) = (outcome.poke, outcome.fatal, outcome.deferrable)
        let strategies = outcome.strategies.map { result in
            "\(result.strategy.rawValue): \(result.requests) requests, "
                + (result.detectedAfterMilliseconds.map { String(format: "detected %.0f ms after ready", $0) }
                    ?? String(
                        format: "gave up (%@) after %.0f ms", result.sensorState?.rawValue ?? "-",
                        result.waitedMilliseconds))
        }
        return [
            "poke: \(poke.refused) refused connection(s) and \(poke.answers.filter { $0 >= 500 }.count) 503(s) retried, "
                + "\(poke.answers.filter { $0 == 200 }.count - 1) warming answer(s) the check refused; "
                + "\(poke.sensorState?.rawValue ?? "-") with \(poke.returned?.jsonText ?? "nothing"), holding "
                + "\(poke.slotsHeldWhileWaiting) slot while waiting",
            "a refused credential (HTTP \(fatal.answers.first ?? 0)): wait_for_pricing \(fatal.sensorState?.rawValue ?? "-") "
                + "after \(fatal.pokes) poke, sync_catalog \(fatal.downstreamState?.rawValue ?? "-")",
            "deferrable: \(deferrable.pokes) worker poke, \(deferrable.answers.count - 1) requests from the trigger, "
                + "\(deferrable.slotsHeldWhileWaiting) slots held; sync_catalog received "
                + (deferrable.downstreamReturned?.jsonText ?? "nothing"),
        ] + strategies
    }
}
