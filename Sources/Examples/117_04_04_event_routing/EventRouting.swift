import Eventide
import Foundation

/// 117.4.4 — filtering and routing trigger events: a filter on the watcher drops irrelevant events before any run
/// exists; the run's first task routes the event (by type and content) to the branches that handle it, and the
/// other branches are skipped. The same stream fed to a DAG without the watcher filter makes a run per irrelevant
/// event, in which every branch is skipped.
enum EventRouting {
    // [START filter]
    /// What is worth a run: the shop's order and payment events, not heartbeats, not test traffic.
    static func relevantFilter() throws -> EventFilter {
        .all(
            "relevant",
            [
                .types(["order.*", "payment.settled"]),
                .content("not test traffic", try FilterPolicy(["test": [["exists": false]]], scope: .messageBody)),
            ])
    }

    /// The CloudEvent a queue message carries (the embedded queue's payload is `{"body": <message>, ...}`).
    static func envelope(of payload: JSONValue) -> EventEnvelope? {
        guard let body = payload["body"] else { return nil }
        return try? JSONDecoder().decode(EventEnvelope.self, from: Data(body.jsonText.utf8))
    }

    /// The watcher with the filter on the trigger's side: an irrelevant event is acknowledged and counted as
    /// filtered, never recorded, so no run is created for it.
    static func filteringWatcher(_ name: String, trigger: any Trigger, relevant: EventFilter) -> AssetWatcher {
        AssetWatcher(
            name: name, trigger: trigger,
            filter: { event in envelope(of: event.payload).map(relevant.matches) ?? false })
    }
    // [END filter]

    // [START routes]
    /// The branches, and which events each handles: every matching route is taken (a payment of 1,000 or more is
    /// booked AND reviewed); an event no route matches goes to `park_unrouted`.
    static let branches = ["book_payment", "review_payment", "fulfil_order", "cancel_order", "park_unrouted"]

    static func routingTable() throws -> DynamicRoutingTable {
        let payments = EventFilter.types(["payment.settled"])
        let large = EventFilter.content(
            "amount ≥ 1000", try FilterPolicy(["amount": [["numeric": [">=", 1000]]]], scope: .messageBody))
        return try DynamicRoutingTable(
            routes: [
                EventRoute("payments", when: payments, to: "book_payment"),
                EventRoute("large_payments", when: .all("payment ≥ 1000", [payments, large]), to: "review_payment"),
                EventRoute("new_orders", when: .types(["order.placed"]), to: "fulfil_order"),
                EventRoute("cancellations", when: .types(["order.cancelled"]), to: "cancel_order"),
            ], unmatched: "park_unrouted", mode: .allMatches)
    }
    // [END routes]

    // [START dag]
    /// One run per event (`perEvent`, one at a time): `choose_branches` routes the triggering event and returns the
    /// chosen branches; each branch runs only if chosen and is skipped otherwise (Airflow's `@task.branch`). An
    /// event that is not relevant (it reached the DAG because its watcher does not filter) skips every branch.
    static func router(
        _ dagId: String, on asset: Asset, relevant: EventFilter, table: DynamicRoutingTable
    ) throws -> DAG {
        let choose = TaskDefinition("choose_branches") { context in
            guard let event = context.triggeringEvents(of: asset).first,
                let envelope = envelope(of: event.extra["payload"] ?? .null)
            else { throw TaskSkipped("no CloudEvent in the triggering event") }
            guard relevant.matches(envelope) else { throw TaskSkipped("irrelevant: \(envelope.type)") }
            let decision = await table.route(envelope)
            return TaskOutput(value: [
                "event": .string(envelope.id), "branches": .array(decision.targets.map(JSONValue.string)),
            ])
        }
        let handlers = branches.map { branch in
            TaskDefinition(branch, upstream: ["choose_branches"]) { context in
                let chosen = context.upstreamValues["choose_branches"]?["branches"]?.arrayValue ?? []
                guard chosen.contains(.string(branch)) else { throw TaskSkipped("not chosen") }
                return TaskOutput(value: context.upstreamValues["choose_branches"]?["event"] ?? .null)
            }
        }
        return try DAG(
            dagId, schedule: .on([asset]), maxActiveRuns: 1, assetTriggering: .perEvent, tasks: [choose] + handlers)
    }
    // [END dag]
}
