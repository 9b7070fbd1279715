import Eventide

/// The schemas of `OpenAPIDocument`, named as Airflow names them. Response objects list every field as required,
/// as Airflow's do; fields we have no value for are nullable here where Airflow declares them non-null.
extension OpenAPIDocument {
    static let schemas: JSONValue = [
        "LoginBody": object(
            ["username": nonEmpty, "password": nonEmpty], required: ["username", "password"], closed: true),
        "LoginResponse": object(["access_token": string], required: ["access_token"]),
        "TriggerDAGRunPostBody": object(
            [
                "dag_run_id": described(
                    nullable(["type": "string"]),
                    "Letters, digits and `_.~:+-` (Airflow's allowed_run_id_pattern); empty or null: a generated id."),
                "logical_date": nullable(dateTime),
                "conf": nullable(anyObject), "note": nullable(string),
                "data_interval_start": unsupported, "data_interval_end": unsupported, "run_after": unsupported,
            ], required: ["logical_date"], closed: true),
        "DAGRunResponse": object(
            [
                "dag_run_id": string, "dag_id": string, "logical_date": nullable(dateTime),
                "queued_at": nullable(dateTime), "start_date": nullable(dateTime), "end_date": nullable(dateTime),
                "duration": nullable(["type": "number"]), "data_interval_start": nullable(dateTime),
                "data_interval_end": nullable(dateTime), "run_after": dateTime,
                "last_scheduling_decision": nullable(dateTime), "run_type": reference("DagRunType"),
                "state": reference("DagRunState"), "triggered_by": nullable(reference("DagRunTriggeredByType")),
                "triggering_user_name": nullable(string), "conf": nullable(anyObject), "note": nullable(string),
                "dag_versions": ["type": "array", "items": ["type": "object"]], "bundle_version": nullable(string),
                "dag_display_name": string,
            ]),
        "DAGRunCollectionResponse": collection("dag_runs", of: "DAGRunResponse"),
        "DagRunState": ["type": "string", "enum": ["queued", "running", "success", "failed"]],
        "DagRunType": ["type": "string", "enum": ["backfill", "scheduled", "manual", "asset_triggered"]],
        "DagRunTriggeredByType": [
            "type": "string",
            "enum": ["cli", "operator", "rest_api", "ui", "test", "timetable", "asset", "backfill"],
        ],
        "CreateAssetEventsBody": assetEventBody,
        "AssetEventResponse": object(
            [
                "id": integer, "asset_id": integer, "uri": nullable(string), "name": nullable(string),
                "group": nullable(string), "extra": nullable(anyObject), "source_task_id": nullable(string),
                "source_dag_id": nullable(string), "source_run_id": nullable(string), "source_map_index": integer,
                "created_dagruns": ["type": "array", "items": reference("DagRunAssetReference")],
                "timestamp": dateTime,
            ]),
        "AssetEventCollectionResponse": collection("asset_events", of: "AssetEventResponse"),
        "DagRunAssetReference": object(
            [
                "run_id": string, "dag_id": string, "logical_date": nullable(dateTime),
                "start_date": described(nullable(dateTime), "null until the run starts"),
                "end_date": nullable(dateTime), "state": string, "data_interval_start": nullable(dateTime),
                "data_interval_end": nullable(dateTime),
            ], closed: true),
        "AssetResponse": object(
            [
                "id": integer, "name": string, "uri": string, "group": string, "extra": nullable(anyObject),
                "created_at": nullable(dateTime), "updated_at": nullable(dateTime),
                "scheduled_dags": ["type": "array", "items": reference("DagScheduleAssetReference")],
                "producing_tasks": ["type": "array", "items": reference("TaskOutletAssetReference")],
                "consuming_tasks": ["type": "array", "items": reference("TaskInletAssetReference")],
                "aliases": ["type": "array", "items": reference("AssetAliasResponse")],
                "last_asset_event": nullable(reference("LastAssetEventResponse")),
            ]),
        "AssetCollectionResponse": collection("assets", of: "AssetResponse"),
        "DagScheduleAssetReference": object(
            ["dag_id": string, "created_at": nullable(dateTime), "updated_at": nullable(dateTime)], closed: true),
        "TaskOutletAssetReference": taskReference,
        "TaskInletAssetReference": taskReference,
        "AssetAliasResponse": object(["id": integer, "name": string, "group": string]),
        "LastAssetEventResponse": object(
            ["id": nullable(["type": "integer", "minimum": 0]), "timestamp": nullable(dateTime)], required: []),
        "QueuedEventResponse": object(
            ["dag_id": string, "asset_id": integer, "created_at": dateTime, "dag_display_name": string]),
        "QueuedEventCollectionResponse": collection("queued_events", of: "QueuedEventResponse"),
        "HealthInfoResponse": object(
            [
                "metadatabase": reference("BaseInfoResponse"), "scheduler": reference("SchedulerInfoResponse"),
                "triggerer": reference("TriggererInfoResponse"),
                "dag_processor": nullable(reference("DagProcessorInfoResponse")),
            ], required: ["metadatabase", "scheduler", "triggerer"]),
        "BaseInfoResponse": object(["status": nullable(string)]),
        "SchedulerInfoResponse": object(
            ["status": nullable(string), "latest_scheduler_heartbeat": nullable(string)]),
        "TriggererInfoResponse": object(
            ["status": nullable(string), "latest_triggerer_heartbeat": nullable(string)]),
        "DagProcessorInfoResponse": object(
            ["status": nullable(string), "latest_dag_processor_heartbeat": nullable(string)]),
        "HTTPExceptionResponse": object(
            ["detail": ["anyOf": [string, anyObject]]], required: ["detail"]),
        "HTTPValidationError": object(
            ["detail": ["type": "array", "items": reference("ValidationError")]], required: ["detail"]),
        "ValidationError": object(
            [
                "loc": ["type": "array", "items": ["anyOf": [string, integer]]], "msg": string, "type": string,
            ]),
    ]

    static let string: JSONValue = ["type": "string"]
    static let integer: JSONValue = ["type": "integer"]
    /// Airflow answers 400 to an empty username or password.
    static let nonEmpty: JSONValue = ["type": "string", "minLength": 1]
    static let dateTime: JSONValue = ["type": "string", "format": "date-time"]
    static let anyObject: JSONValue = ["type": "object", "additionalProperties": true]
    /// A field Airflow has that runs here have no use for: only `null` (its default) is accepted.
    static let unsupported = described(
        ["type": "null"], "Runs here have no data interval and start when created: only null is accepted.")
    static let taskReference = object(
        [
            "dag_id": string, "task_id": string, "created_at": nullable(dateTime), "updated_at": nullable(dateTime),
        ], closed: true)

    /// Airflow's `CreateAssetEventsBody` (`asset_id`, `extra`), with the asset addressed by `uri` or `name`
    /// instead if the caller prefers (apache/airflow#53615): exactly one of the three.
    static let assetEventBody: JSONValue = {
        var schema =
            object(
                ["asset_id": integer, "uri": string, "name": string, "extra": anyObject], required: [], closed: true
            ).objectValue ?? [:]
        schema["oneOf"] = .array(["asset_id", "uri", "name"].map { ["required": [.string($0)]] })
        schema["description"] =
            "Exactly one of asset_id (Airflow's field), uri or name (apache/airflow#53615) addresses the asset."
        return .object(schema)
    }()

    static func nullable(_ schema: JSONValue) -> JSONValue { ["anyOf": [schema, ["type": "null"]]] }

    static func described(_ schema: JSONValue, _ text: String) -> JSONValue {
        var value = schema.objectValue ?? [:]
        value["description"] = .string(text)
        return .object(value)
    }

    /// An object schema; every property is required unless `required` says otherwise, and `closed` forbids
    /// other properties (Airflow's request bodies and references do).
    static func object(_ properties: [String: JSONValue], required: [String]? = nil, closed: Bool = false) -> JSONValue
    {
        var schema: [String: JSONValue] = [
            "type": "object", "properties": .object(properties),
            "required": .array((required ?? properties.keys.sorted()).map(JSONValue.string)),
        ]
        if closed { schema["additionalProperties"] = false }
        return .object(schema)
    }

    static func collection(_ key: String, of item: String) -> JSONValue {
        object([key: ["type": "array", "items": reference(item)], "total_entries": integer])
    }
}
