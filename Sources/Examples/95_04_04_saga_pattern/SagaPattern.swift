import Eventide
import Foundation

/// 95.4.4 — a trip booked as a saga: flight, hotel, car, payment, each with a compensation. A coordinator DAG
/// runs it with `SagaCoordinator`, which persists every transition, undoes the completed steps in reverse order
/// when one fails, and resumes a saga whose process was killed.
enum SagaPattern {
    // [START participants]
    /// A participant service. Each booking or cancellation is an event on the service's own log topic, appended
    /// with the step's idempotency key: a retried or resumed attempt finds its first effect and applies nothing.
    struct Service: Sendable {
        let name: String
        let log: EventLog
        /// Where the scenario injects failures, hangs and crashes (nothing happens without them).
        let faults: Faults

        var topic: String { "trip.\(name)" }

        func apply(_ effect: String, _ context: SagaStepContext) async throws -> JSONValue {
            try await faults.before(effect, context)
            let event = try EventEnvelope(
                type: "trip.\(name).\(effect)", source: "/services/\(name)", subject: context.sagaId,
                time: context.clock.date, data: ["key": .string(context.idempotencyKey)],
                correlationId: context.sagaId)
            let appended = try await log.append(
                event, to: topic, key: context.sagaId, idempotencyKey: context.idempotencyKey)
            try await faults.after(effect, context, duplicate: appended.duplicate)
            return ["reference": .string("\(name)-\(appended.position.offset)"), "effect": .string(effect)]
        }
    }
    // [END participants]

    // [START saga]
    static let stepNames = ["flight", "hotel", "car", "payment"]
    /// A failing compensation is tried 4 times, 20, 40 then 80 ms apart, then parked for a person.
    static let compensationRetry = RetryPolicy(retries: 3, delay: .milliseconds(20), exponentialBackoff: true)

    /// The saga: each step books with its service, and its compensation cancels (or refunds) with the same one.
    static func bookTrip(log: EventLog, faults: Faults, timeout: Duration) throws -> Saga {
        try Saga(
            "book_trip",
            steps: stepNames.map { step in
                let service = Service(name: step, log: log, faults: faults)
                return SagaStep(
                    step, timeout: timeout,
                    compensationRetry: compensationRetry,
                    action: { context in try await service.apply("booked", context) },
                    compensation: { context in
                        _ = try await service.apply(step == "payment" ? "refunded" : "cancelled", context)
                    })
            })
    }
    // [END saga]

    // [START coordinator_dag]
    /// The coordinator DAG: one run per trip (conf `saga_id`). A run interrupted by a killed process is resumed
    /// by the next executor, and the coordinator resumes the saga where its store says it stopped.
    static func coordinatorDAG(_ saga: Saga, _ coordinator: SagaCoordinator) throws -> DAG {
        try DAG(
            "book_trip_saga",
            tasks: [
                TaskDefinition("coordinate") { context in
                    guard let sagaId = context.conf["saga_id"]?.stringValue else { throw TripError.noSagaId }
                    let instance = try await coordinator.run(saga, id: sagaId, input: context.conf)
                    // Parked: a compensation needs a person, so the run fails and shows up where failures do.
                    guard instance.status != .parked else { throw TripError.parked(sagaId: sagaId) }
                    return TaskOutput(value: .string(instance.status.rawValue))
                }
            ])
    }
    // [END coordinator_dag]
}
