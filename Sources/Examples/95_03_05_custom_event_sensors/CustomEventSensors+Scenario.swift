import Eventide
import EventideCLI
import Foundation

/// Drives `CustomEventSensors.swift`: the custom sensor in poke mode, its deferrable form, a malformed delivery,
/// then the same fleet of sensors in each mode on 4 worker slots with another DAG's task arriving meanwhile.
extension CustomEventSensors {
    static let item = "95.3.5"
    static let title = "Custom Event Sensors"

    struct Configuration: Sendable {
        var sensors = 12
        var slots = 4
        var pokeInterval: Duration = .milliseconds(100)
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        case invalidFleet(sensors: Int, slots: Int)
        /// A run the scenario triggered did not show up among the finished runs.
        case runNotFound(DagRunRef)
        var description: String {
            switch self {
            case .runNotFound(let ref): "run \(ref) did not finish; the executor is broken"
            case .invalidFleet(let sensors, let slots):
                "--sensors (\(sensors)) must be more than --slots (\(slots)), and --slots at least 1: the comparison "
                    + "needs more sensors than slots"
            }
        }
    }

    /// One sensor run: how it ended, what it returned and what its downstream task received.
    struct SensorRun: Codable, Sendable, Hashable {
        let dagId: String
        let mode: SensorMode
        let sensorState: TaskState?
        let downstreamState: TaskState?
        let pokes: Int
        let returned: JSONValue?
        let downstreamReturned: JSONValue?
        /// Worker slots held by the DAG's tasks while the sensor waited for the delivery.
        let slotsHeldWhileWaiting: Int
    }

    /// One mode of the fleet: what waiting cost and how long another DAG's task waited for a slot.
    struct ModeCost: Codable, Sendable, Hashable {
        let mode: SensorMode
        let sensors: Int
        let slots: Int
        let slotsHeldWhileWaiting: Int
        /// Slot grants to the fleet's tasks: starts, rescheduled pokes, resumes after deferral.
        let wakeUps: Int
        let pokes: Int
        let slotSeconds: Double
        /// From the probe run's creation to its task's start.
        let probeLatencyMilliseconds: Double
        /// The probe's task started before the deliveries were published (it did not wait for the sensors).
        let probeRanWhileSensorsWaited: Bool
        let fleetSucceeded: Bool
    }

    struct Outcome: Codable, Sendable {
        let poke: SensorRun
        let deferrable: SensorRun
        let malformed: SensorRun
        let modes: [ModeCost]
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        guard configuration.slots >= 1, configuration.sensors > configuration.slots else {
            throw ScenarioError.invalidFleet(sensors: configuration.sensors, slots: configuration.slots)
        }
        let timeline = Timeline()
        let orchestrator = Orchestrator(
            database: database,
            executor: ExecutorSettings(workerSlots: configuration.slots, maxActiveTasksPerRun: configuration.sensors))
        let log = orchestrator.log
        let interval = configuration.pokeInterval
        let dags =
            [
                try awaitDelivery(
                    "await_delivery_poke", log: log,
                    settings: SensorSettings(pokeInterval: interval, timeout: .seconds(30))),
                try awaitDelivery(
                    "await_delivery_deferrable", log: log,
                    settings: SensorSettings(mode: .deferrable, timeout: .seconds(30))),
            ] + (try SensorMode.allCases.flatMap { try fleet($0, configuration, log: log) })
        try await orchestrator.register(dags: dags)
        try await orchestrator.requireFreshStore()
        try await log.createTopic(topic)
        let outcome = try await orchestrator.withServices {
            let carrier = Carrier(log: log, timeline: timeline)
            let poke = try await single(
                "await_delivery_poke", mode: .poke, order: "A-1001", orchestrator, carrier, timeline)
            let deferrable = try await single(
                "await_delivery_deferrable", mode: .deferrable, order: "A-1002", orchestrator, carrier, timeline)
            let malformed = try await single(
                "await_delivery_poke", mode: .poke, order: "A-1003", orchestrator, carrier, timeline, signed: false)
            var modes: [ModeCost] = []
            for mode in SensorMode.allCases {
                modes.append(try await compare(mode, configuration, orchestrator, carrier, timeline))
            }
            return Outcome(poke: poke, deferrable: deferrable, malformed: malformed, modes: modes)
        }
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// The carrier: publishes shipment events to the topic.
    struct Carrier {
        let log: EventLog
        let timeline: Timeline

        func publish(_ type: String, order: String, signed: Bool = true) async throws {
            var data: [String: JSONValue] = ["carrier": "DHL"]
            if signed { data["signed_by"] = "R. Jones" }
            let event = try EventEnvelope(type: type, source: "carrier", subject: order, data: .object(data))
            let result = try await log.append(event, to: CustomEventSensors.topic, key: order)
            timeline.note("carrier publishes \(type) for \(order) at \(result.position)")
        }
    }

    /// The sensor DAG on one order: an in-transit event it must ignore, then the delivery.
    static func single(
        _ dagId: String, mode: SensorMode, order: String, _ orchestrator: Orchestrator, _ carrier: Carrier,
        _ timeline: Timeline, signed: Bool = true
    ) async throws -> SensorRun {
        let scheduler = orchestrator.scheduler
        let ref = try await scheduler.triggerRun(dagId, conf: ["order_id": .string(order)])
        let runs = try await scheduler.runs(of: dagId).count
        // A poke is counted (stored) before it looks, so poke n+1 counted means poke n has looked and was not done.
        // Deferrable pokes once and then waits on its trigger: there the first count is all there will be.
        try await waitForPokes(ref, "wait_for_delivery", atLeast: mode == .deferrable ? 1 : 2, orchestrator)
        try await carrier.publish("shipment.in_transit", order: order)
        if mode == .deferrable {
            try await waitUntil { try await scheduler.run(ref)?.task("wait_for_delivery")?.state == .deferred }
        } else {
            // Poke seen+1 is counted after the in-transit event was on the topic; seen+2 counted means it looked.
            let seen = try await pokes(ref, "wait_for_delivery", orchestrator)
            try await waitForPokes(ref, "wait_for_delivery", atLeast: seen + 2, orchestrator)
        }
        let held = orchestrator.executor.slots.snapshot().inUse
        timeline.note("\(dagId) (\(order)) waits in \(mode) mode holding \(held) worker slot(s)")
        try await carrier.publish("shipment.delivered", order: order, signed: signed)
        let run = try await finished(ref, count: runs, scheduler)
        let sensor = run.task("wait_for_delivery")
        let notify = run.task("notify_customer")
        timeline.note(
            "\(dagId) (\(order)): wait_for_delivery \(sensor?.state.rawValue ?? "-") after "
                + "\(try await pokes(ref, "wait_for_delivery", orchestrator)) poke(s)"
                + (sensor?.returnValue.map { ", returned \($0.jsonText)" } ?? "")
                + "; notify_customer \(notify?.state.rawValue ?? "-")"
                + (notify?.returnValue.map { " with \($0.jsonText)" } ?? ""), at: run.endedAt ?? Date())
        return SensorRun(
            dagId: dagId, mode: mode, sensorState: sensor?.state, downstreamState: notify?.state,
            pokes: try await pokes(ref, "wait_for_delivery", orchestrator), returned: sensor?.returnValue,
            downstreamReturned: notify?.returnValue, slotsHeldWhileWaiting: held)
    }
}

/// The mode comparison: the same fleet of sensors in each mode, and another DAG's task arriving meanwhile.
extension CustomEventSensors {
    static func fleet(_ mode: SensorMode, _ configuration: Configuration, log: EventLog) throws -> [DAG] {
        let settings = SensorSettings(mode: mode, pokeInterval: configuration.pokeInterval, timeout: .seconds(30))
        let sensors = (1...configuration.sensors).map { index in
            TaskDefinition.sensor("sensor_\(index)", ShipmentDeliveredSensor(log: log), settings: settings)
        }
        return [
            try DAG("fleet_\(mode)", tasks: sensors),
            try DAG("probe_\(mode)", tasks: [TaskDefinition("report") { _ in .none }]),
        ]
    }

    static func compare(
        _ mode: SensorMode, _ configuration: Configuration, _ orchestrator: Orchestrator, _ carrier: Carrier,
        _ timeline: Timeline
    ) async throws -> ModeCost {
        let scheduler = orchestrator.scheduler
        let slots = orchestrator.executor.slots
        let (fleetId, order, count) = ("fleet_\(mode)", "B-\(mode)", configuration.sensors)
        let ref = try await scheduler.triggerRun(fleetId, conf: ["order_id": .string(order)])
        let taskIds = (1...count).map { "sensor_\($0)" }
        // Settled: every sensor that can run has poked and waits as its mode says.
        try await waitUntil {
            let states = try await scheduler.run(ref)?.taskInstances.map(\.state) ?? []
            switch mode {
            case .poke:
                let snapshot = slots.snapshot()
                return snapshot.inUse == configuration.slots && snapshot.waiting == count - configuration.slots
                    && states.filter { $0 == .running }.count == configuration.slots
            case .reschedule:  // between two rounds of pokes: every sensor waits, no slot is held
                return states.filter { $0 == .upForReschedule }.count == count && slots.snapshot().inUse == 0
            case .deferrable: return states.filter { $0 == .deferred }.count == count
            }
        }
        let held = slots.snapshot().inUse
        timeline.note(
            "\(fleetId): \(count) sensors wait for \(order) holding \(held) of \(configuration.slots) slots"
                + (mode == .reschedule ? " between pokes" : ""))
        let probeRef = try await scheduler.triggerRun("probe_\(mode)")
        // Three poke intervals of waiting sensors (each reschedule round costs slot grants). A poking fleet keeps every
        // slot until the delivery, so its probe cannot start however long this is; in the other modes the probe can,
        // and on a loaded machine it may take longer than that: wait for it, bounded, before publishing. A probe that
        // has not started by then is reported as not having run while the sensors waited.
        try await Task.sleep(for: configuration.pokeInterval * 3)
        if mode != .poke {
            do {
                try await WaitDeadline.seconds(10).poll(waitingFor: "probe_\(mode) to start") {
                    try await scheduler.run(probeRef)?.task("report")?.startedAt != nil
                }
            } catch WaitError.deadlineExceeded {}
        }
        let published = orchestrator.clock.date
        try await carrier.publish("shipment.delivered", order: order)
        let fleetRun = try await finished(ref, count: 1, scheduler)
        let probe = try await finished(probeRef, count: 1, scheduler)
        let snapshot = slots.snapshot()
        var pokes = 0
        for taskId in taskIds { pokes += try await self.pokes(ref, taskId, orchestrator) }
        let started = probe.task("report")?.startedAt ?? published
        let cost = ModeCost(
            mode: mode, sensors: count, slots: configuration.slots, slotsHeldWhileWaiting: held,
            wakeUps: snapshot.acquisitionsByOwner[fleetId] ?? 0, pokes: pokes,
            slotSeconds: (snapshot.heldTime[fleetId] ?? .zero).inSeconds,
            probeLatencyMilliseconds: started.timeIntervalSince(probe.queuedAt) * 1000,
            probeRanWhileSensorsWaited: started < published, fleetSucceeded: fleetRun.state == .success)
        timeline.note(
            "\(mode): probe_\(mode) started after \(String(format: "%.0f", cost.probeLatencyMilliseconds)) ms "
                + (cost.probeRanWhileSensorsWaited ? "while the sensors waited" : "only after the sensors finished")
                + "; \(cost.wakeUps) wake-ups, \(pokes) pokes, "
                + String(format: "%.2f", cost.slotSeconds) + " slot-seconds", at: fleetRun.endedAt ?? Date())
        return cost
    }

    static func finished(_ ref: DagRunRef, count: Int, _ scheduler: Scheduler) async throws -> DagRun {
        let runs = try await scheduler.waitForFinishedRuns(of: ref.dagId, count: count)
        guard let run = runs.first(where: { $0.ref == ref }) else { throw ScenarioError.runNotFound(ref) }
        return run
    }

    static func pokes(_ ref: DagRunRef, _ taskId: String, _ orchestrator: Orchestrator) async throws -> Int {
        try await SensorProgress.read(ref, taskId: taskId, tryNumber: 1, in: orchestrator.database)?.pokes ?? 0
    }

    static func waitForPokes(
        _ ref: DagRunRef, _ taskId: String, atLeast count: Int, _ orchestrator: Orchestrator
    ) async throws {
        try await waitUntil { try await pokes(ref, taskId, orchestrator) >= count }
    }

    /// Polls the store until `condition` holds (the scenario watches tasks it does not await).
    static func waitUntil(_ condition: @escaping @Sendable () async throws -> Bool) async throws {
        try await WaitDeadline.seconds(30).poll(waitingFor: "the sensors to reach the awaited state", until: condition)
    }

    static func proved(_ outcome: Outcome) -> [String] {
        let modes = outcome.modes.map { cost in
            "\(cost.mode): \(cost.slotsHeldWhileWaiting)/\(cost.slots) slots held while waiting, "
                + "\(cost.wakeUps) wake-ups, probe "
                + (cost.probeRanWhileSensorsWaited ? "ran while the sensors waited" : "starved until they finished")
        }
        return [
            "custom sensor (poke): \(outcome.poke.sensorState?.rawValue ?? "-") after \(outcome.poke.pokes) pokes; "
                + "notify_customer received \(outcome.poke.downstreamReturned?.jsonText ?? "nothing")",
            "deferrable form: held \(outcome.deferrable.slotsHeldWhileWaiting) slots while deferred; "
                + "\(outcome.deferrable.pokes) poke, the trigger's payload returned: "
                + (outcome.deferrable.returned?.jsonText ?? "nothing"),
            "a delivery without signature: sensor \(outcome.malformed.sensorState?.rawValue ?? "-") at once, "
                + "notify_customer \(outcome.malformed.downstreamState?.rawValue ?? "-")",
        ] + modes
    }
}
