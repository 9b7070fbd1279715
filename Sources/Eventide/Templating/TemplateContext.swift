import Foundation

/// What a task-argument template can read, by name, as Airflow's template context does:
///
/// | name | value |
/// | --- | --- |
/// | `dag_id`, `run_id`, `task_id`, `try_number` | the task instance |
/// | `logical_date`, `ds` | the run's logical date (RFC 3339) and its day (`YYYY-MM-DD`); `null` when the run has none |
/// | `conf` | the run's conf |
/// | `params` | the task's params, overridden by the run's conf keys (Airflow's `dag_run_conf_overrides_params`) |
/// | `triggering_asset_events` | the run's triggering events by asset URI and by asset name, oldest first |
/// | `xcom` | upstream tasks' return values by task id |
///
/// Each triggering event is `{id, uri, name, extra, timestamp, source, source_dag_id, source_run_id,
/// source_task_id, watcher, message_id, alias}` (`null` where it does not apply). `variables` adds names of your
/// own (e.g. `asset` for `triggering_asset_events[asset]`); the names above take precedence.
public struct TemplateContext: Sendable, Hashable {
    /// Every name a template can use, with its value.
    public let variables: [String: JSONValue]

    public init(
        dagId: String, runId: String, taskId: String, tryNumber: Int = 1, logicalDate: Date? = nil,
        conf: JSONValue = .object([:]), params: [String: JSONValue] = [:], triggeringAssetEvents: [AssetEvent] = [],
        upstreamValues: [String: JSONValue] = [:], variables: [String: JSONValue] = [:]
    ) {
        var merged = params
        for (key, value) in conf.objectValue ?? [:] { merged[key] = value }
        var byAsset: [String: [JSONValue]] = [:]
        for event in triggeringAssetEvents {
            let object = Self.object(of: event)
            byAsset[event.asset.uri, default: []].append(object)
            if event.asset.name != event.asset.uri { byAsset[event.asset.name, default: []].append(object) }
        }
        let builtIn: [String: JSONValue] = [
            "dag_id": .string(dagId), "run_id": .string(runId), "task_id": .string(taskId),
            "try_number": .number(Double(tryNumber)),
            "logical_date": logicalDate.map { .string(EventTime.format($0)) } ?? .null,
            "ds": logicalDate.map { .string(String(EventTime.format($0).prefix(10))) } ?? .null,
            "conf": conf, "params": .object(merged),
            "triggering_asset_events": .object(byAsset.mapValues { .array($0) }),
            "xcom": .object(upstreamValues),
        ]
        self.variables = variables.merging(builtIn) { _, builtIn in builtIn }
    }

    /// A triggering event as templates see it.
    public static func object(of event: AssetEvent) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .number(Double(event.id)), "uri": .string(event.asset.uri), "name": .string(event.asset.name),
            "extra": .object(event.extra), "timestamp": .string(EventTime.format(event.timestamp)),
            "source": .string(event.source.kind), "alias": event.alias.map(JSONValue.string) ?? .null,
            "source_dag_id": .null, "source_run_id": .null, "source_task_id": .null, "watcher": .null,
            "message_id": .null,
        ]
        switch event.source {
        case .task(let dagId, let runId, let taskId):
            object["source_dag_id"] = .string(dagId)
            object["source_run_id"] = .string(runId)
            object["source_task_id"] = .string(taskId)
        case .watcher(let name, let messageId):
            object["watcher"] = .string(name)
            object["message_id"] = messageId.map(JSONValue.string) ?? .null
        case .api(let messageId):
            object["message_id"] = messageId.map(JSONValue.string) ?? .null
        }
        return .object(object)
    }

    /// The same context with more names of your own (names it already defines take precedence).
    public func adding(_ more: [String: JSONValue]) -> TemplateContext {
        TemplateContext(variables: variables.merging(more) { existing, _ in existing })
    }

    private init(variables: [String: JSONValue]) { self.variables = variables }
}
