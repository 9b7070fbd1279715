import Eventide
import Foundation

/// A custom sensor on a carrier's event stream: a task waits until the shipment of its run's order is
/// delivered, and hands the delivery (carrier, signature, time) to the next task.
enum CustomEventSensors {
    static let topic = "carrier.events"

    // [START sensor]
    /// Waits for `shipment.delivered` of the order in the run's conf (`{"order_id": …}`) on the carrier's topic.
    struct ShipmentDeliveredSensor: Sensor {
        let log: EventLog

        func poke(_ context: SensorContext) async throws -> PokeReturnValue {
            let orderId = try Self.orderId(context.task.conf)
            let records = try await log.readAll(topic: CustomEventSensors.topic)
            guard let delivered = records.first(where: { Self.isDelivery($0.event, of: orderId) }) else { return false }
            return .done(try Self.extract(delivered.event))
        }

        /// The deferrable form: the triggerer waits for the event; no worker slot is held meanwhile.
        func trigger(_ context: SensorContext) async throws -> (any Trigger)? {
            ShipmentDeliveredTrigger(log: log, orderId: try Self.orderId(context.task.conf))
        }

        func complete(_ event: TriggerEvent, context: SensorContext) async throws -> PokeReturnValue {
            .done(event.payload)
        }

        static func isDelivery(_ event: EventEnvelope, of orderId: String) -> Bool {
            event.type == "shipment.delivered" && event.subject == orderId
        }

        /// Event payload extraction: the fields the next task needs, or a failure naming what is missing.
        static func extract(_ event: EventEnvelope) throws -> JSONValue {
            guard let carrier = event.data["carrier"]?.stringValue, let signedBy = event.data["signed_by"]?.stringValue
            else { throw SensorFailed("delivery \(event.id) of \(event.subject ?? "?") has no carrier or signature") }
            return [
                "order_id": .string(event.subject ?? ""), "carrier": .string(carrier), "signed_by": .string(signedBy),
            ]
        }

        static func orderId(_ conf: JSONValue) throws -> String {
            guard let id = conf["order_id"]?.stringValue, !id.isEmpty else {
                throw SensorFailed("conf has no order_id")
            }
            return id
        }
    }
    // [END sensor]

    // [START trigger]
    /// Fires when the order's delivery is on the topic: looks once, then after each append (no polling).
    struct ShipmentDeliveredTrigger: Trigger {
        let log: EventLog
        let orderId: String
        var description: String { "ShipmentDeliveredTrigger(\(CustomEventSensors.topic), order \(orderId))" }

        func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
            let appends = UnfoldingIterator(log.appends().makeAsyncIterator())  // subscribed before the first look
            let (log, orderId) = (log, orderId)
            return AsyncThrowingStream {
                repeat {
                    let records = try await log.readAll(topic: CustomEventSensors.topic)
                    if let record = records.first(where: { ShipmentDeliveredSensor.isDelivery($0.event, of: orderId) })
                    {
                        let payload = try ShipmentDeliveredSensor.extract(record.event)
                        return TriggerEvent(payload: payload, messageId: record.event.id, occurredAt: record.event.time)
                    }
                } while try await appends.next() != nil
                return nil
            }
        }
    }
    // [END trigger]

    // [START dags]
    /// A DAG that waits for a delivery with the given sensor settings, then notifies the customer with it.
    static func awaitDelivery(_ dagId: String, log: EventLog, settings: SensorSettings) throws -> DAG {
        try DAG(
            dagId,
            tasks: [
                .sensor("wait_for_delivery", ShipmentDeliveredSensor(log: log), settings: settings),
                TaskDefinition("notify_customer", upstream: ["wait_for_delivery"]) { context in
                    let delivery = context.upstreamValues["wait_for_delivery"] ?? .null
                    return TaskOutput(value: [
                        "notified": delivery["order_id"] ?? .null, "signed_by": delivery["signed_by"] ?? .null,
                    ])
                },
            ])
    }
    // [END dags]
}
