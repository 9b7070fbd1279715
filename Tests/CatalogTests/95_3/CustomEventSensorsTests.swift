import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex95_03_05_custom_event_sensors

@Suite("95.3.5 Custom Event Sensors", .timeLimit(.minutes(5)))
struct CustomEventSensorsTests {
    typealias Sensors = CustomEventSensors

    func run(_ configuration: Sensors.Configuration = .init()) async throws -> Sensors.Outcome {
        try await Sensors.run(configuration, database: TemporaryDatabase.make("95_03_05")).outcome
    }

    @Test("95.3.5/1 a custom Sensor class waits for its run's order and succeeds with the delivery")
    func customSensorClass() async throws {
        let poke = try await run().poke
        #expect(poke.sensorState == .success && poke.downstreamState == .success)
        #expect(poke.returned?["order_id"] == "A-1001")
        #expect(poke.slotsHeldWhileWaiting >= 1, "poke mode holds its slot while it waits")
    }

    @Test("95.3.5/2 poke() ignores other events of the order and is done only on its delivery")
    func pokeImplementation() async throws {
        let outcome = try await run()
        #expect(outcome.poke.pokes >= 3, "a poke before the in-transit event, one after it, one after the delivery")
        #expect(outcome.malformed.sensorState == .failed, "a delivery without signature fails the sensor")
        #expect(outcome.malformed.downstreamState == .upstreamFailed)
        #expect(
            outcome.malformed.pokes <= 10,
            "at the poke that saw it (a few after the first), not at the 30 s timeout (300 pokes)")
    }

    @Test("95.3.5/2 poke() on a log with and without the delivery")
    func pokeDirectly() async throws {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("95_03_05_poke"))
        try await orchestrator.log.createTopic(Sensors.topic)
        let sensor = Sensors.ShipmentDeliveredSensor(log: orchestrator.log)
        let dag = try DAG(
            "probe",
            tasks: [
                .sensor(
                    "wait", sensor,
                    settings: SensorSettings(pokeInterval: .milliseconds(10), timeout: .seconds(1), softFail: true))
            ])
        try await orchestrator.register(dags: [dag])
        let delivered = try EventEnvelope(
            type: "shipment.delivered", source: "carrier", subject: "X-1", data: ["carrier": "UPS", "signed_by": "Ann"])
        try await orchestrator.log.append(delivered, to: Sensors.topic)
        let runs = try await orchestrator.withServices {
            try await orchestrator.scheduler.triggerRun("probe", conf: ["order_id": "X-1"])
            try await orchestrator.scheduler.triggerRun("probe", conf: ["order_id": "X-2"])
            return try await orchestrator.scheduler.waitForFinishedRuns(of: "probe", count: 2)
        }
        let states = Dictionary(
            uniqueKeysWithValues: runs.map { ($0.conf["order_id"]?.stringValue ?? "", $0.task("wait")?.state) })
        #expect(states["X-1"] == .success)
        #expect(states["X-2"] == .skipped, "no delivery for X-2: timed out, soft-failed")
    }

    @Test("95.3.5/3 the deferrable form defers to the custom trigger, holds no slot, and resumes on the delivery")
    func deferrableCustomSensor() async throws {
        let deferrable = try await run().deferrable
        #expect(deferrable.slotsHeldWhileWaiting == 0)
        #expect(deferrable.pokes == 1, "one poke, then the trigger waits")
        #expect(deferrable.sensorState == .success)
        #expect(deferrable.returned?["order_id"] == "A-1002")
    }

    @Test("95.3.5/3 the custom trigger fires on the order's delivery only, after an append (no polling)")
    func customTrigger() async throws {
        let log = EventLog(database: try TemporaryDatabase.make("95_03_05_trigger"))
        try await log.createTopic(Sensors.topic)
        let trigger = Sensors.ShipmentDeliveredTrigger(log: log, orderId: "T-1")
        var events = try trigger.events().makeAsyncIterator()
        try await log.append(
            try EventEnvelope(
                type: "shipment.delivered", source: "carrier", subject: "T-0",
                data: ["carrier": "DHL", "signed_by": "A"]), to: Sensors.topic)
        try await log.append(
            try EventEnvelope(type: "shipment.in_transit", source: "carrier", subject: "T-1", data: ["carrier": "DHL"]),
            to: Sensors.topic)
        let delivered = try EventEnvelope(
            type: "shipment.delivered", source: "carrier", subject: "T-1", data: ["carrier": "DHL", "signed_by": "B"])
        try await log.append(delivered, to: Sensors.topic)
        let event = try #require(try await events.next())
        #expect(event.messageId == delivered.id)
        #expect(event.payload["signed_by"] == "B")
    }

    @Test("95.3.5/4 the event payload is extracted and the downstream task receives it")
    func payloadExtraction() async throws {
        let outcome = try await run()
        #expect(outcome.poke.returned?["carrier"] == "DHL" && outcome.poke.returned?["signed_by"] == "R. Jones")
        #expect(outcome.poke.downstreamReturned == ["notified": "A-1001", "signed_by": "R. Jones"])
        #expect(outcome.deferrable.downstreamReturned == ["notified": "A-1002", "signed_by": "R. Jones"])
        let unsigned = try EventEnvelope(
            type: "shipment.delivered", source: "carrier", subject: "U-1", data: ["carrier": "DHL"])
        #expect(throws: SensorFailed.self) { try Sensors.ShipmentDeliveredSensor.extract(unsigned) }
    }

    @Test("95.3.5/expected custom sensors work in every mode; poke starves another DAG's task, the others do not")
    func expected() async throws {
        let modes = try await run().modes
        try #require(modes.map(\.mode) == [.poke, .reschedule, .deferrable])
        #expect(modes.allSatisfy { $0.fleetSucceeded })
        let (poke, reschedule, deferrable) = (modes[0], modes[1], modes[2])
        #expect(poke.slotsHeldWhileWaiting == 4 && !poke.probeRanWhileSensorsWaited)
        #expect(poke.wakeUps == 12, "each sensor took a slot once and kept it")
        #expect(reschedule.slotsHeldWhileWaiting == 0 && reschedule.probeRanWhileSensorsWaited)
        #expect(reschedule.wakeUps == reschedule.pokes, "a slot for every poke")
        #expect(deferrable.slotsHeldWhileWaiting == 0 && deferrable.probeRanWhileSensorsWaited)
        #expect(deferrable.wakeUps == 24 && deferrable.pokes == 12, "start and resume; one poke each")
    }

    @Test("95.3.5 a fleet no larger than the slots is refused")
    func refusesSmallFleet() async throws {
        await #expect(throws: Sensors.ScenarioError.invalidFleet(sensors: 4, slots: 4)) {
            _ = try await run(.init(sensors: 4, slots: 4))
        }
    }

    @Test("95.3.5 a used store is refused")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { try await Sensors.run(.init(), database: $0) }
    }
}
