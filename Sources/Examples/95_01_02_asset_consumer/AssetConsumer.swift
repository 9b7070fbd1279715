import Eventide

/// 95.1.2 — consumer DAGs declare the assets they need as their schedule; the scheduler starts them when
/// those assets are updated, and each run knows exactly which asset events (and so which producer runs and
/// correlation ids) triggered it.
enum AssetConsumer {
    // [START producer]
    static func assets() throws -> (orders: Asset, customers: Asset) {
        (try Asset(uri: "s3://warehouse/orders/daily"), try Asset(uri: "s3://warehouse/customers"))
    }

    /// A producer whose `publish` task writes `asset` and copies the run's `correlation_id` and row count from
    /// its conf into the event's extra: an asset-triggered run gets no conf, so what it needs travels in extra.
    static func producer(_ dagId: String, writes asset: Asset) throws -> DAG {
        try DAG(
            dagId,
            tasks: [
                TaskDefinition("publish", outlets: [asset]) { context in
                    TaskOutput(outletExtra: [
                        asset.key: [
                            "correlation_id": context.conf["correlation_id"] ?? .null,
                            "rows": context.conf["rows"] ?? 0,
                        ]
                    ])
                }
            ])
    }
    // [END producer]

    // [START consumer]
    /// A consumer scheduled on assets (`.on([orders])`, or `.on([orders, customers])`: all of them):
    /// validate → aggregate → report, each reading the triggering events and what the task before returned.
    static func consumer(_ dagId: String, schedule: Schedule) throws -> DAG {
        try DAG(
            dagId, schedule: schedule,
            tasks: [
                TaskDefinition("validate") { context in
                    let events = context.triggeringAssetEvents
                    guard !events.isEmpty else { throw ConsumerError.noTriggeringEvents }
                    let untagged = events.filter { $0.extra["correlation_id"]?.stringValue == nil }.map(\.id)
                    guard untagged.isEmpty else { throw ConsumerError.noCorrelationId(eventIds: untagged) }
                    return TaskOutput(value: .array(events.map { .number(Double($0.id)) }))
                },
                TaskDefinition("aggregate", upstream: ["validate"]) { context in
                    let rows = context.triggeringAssetEvents.compactMap { $0.extra["rows"]?.doubleValue }.reduce(0, +)
                    return TaskOutput(value: ["rows": .number(rows)])
                },
                TaskDefinition("report", upstream: ["aggregate"]) { context in
                    let events = context.triggeringAssetEvents
                    let correlation = Set(events.compactMap { $0.extra["correlation_id"]?.stringValue })
                    return TaskOutput(value: [
                        "rows": context.upstreamValues["aggregate"]?["rows"] ?? 0,
                        "correlation_ids": .array(correlation.sorted().map(JSONValue.string)),
                        "events": context.upstreamValues["validate"] ?? .null,
                        "lineage": .array(events.map(lineage)),
                    ])
                },
            ])
    }

    /// Where an event came from: the producer DAG, run and task (`AssetEventSource.task`) and its correlation id.
    static func lineage(_ event: AssetEvent) -> JSONValue {
        var entry: [String: JSONValue] = [
            "event": .number(Double(event.id)), "asset": .string(event.asset.uri),
            "correlation_id": event.extra["correlation_id"] ?? .null,
        ]
        if case .task(let dag, let run, let task) = event.source {
            entry["dag"] = .string(dag)
            entry["run"] = .string(run)
            entry["task"] = .string(task)
        }
        return .object(entry)
    }

    /// Why `validate` refused a run's triggering events.
    enum ConsumerError: Error, Equatable, CustomStringConvertible {
        case noTriggeringEvents
        case noCorrelationId(eventIds: [Int64])

        var description: String {
            switch self {
            case .noTriggeringEvents: "the run has no triggering asset events; schedule the DAG on an asset"
            case .noCorrelationId(let ids):
                "events \(ids.map { "#\($0)" }.joined(separator: ", ")) carry no correlation_id; "
                    + "the producer must copy it from its conf into the event's extra"
            }
        }
    }
    // [END consumer]
}
