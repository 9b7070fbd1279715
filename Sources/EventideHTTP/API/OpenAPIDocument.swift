import Eventide

/// The OpenAPI 3.1 document of `AirflowAPI`, served at `GET /openapi.json`: exactly the routes the component
/// registers (a test compares the two), with Airflow's operation ids and schema names. Where we answer differently
/// from Airflow, the schema says what we answer and the description says why (no data interval, nullable creation
/// times, `uri`/`name` addressing of asset events).
enum OpenAPIDocument {
    static let document: JSONValue = [
        "openapi": "3.1.0",
        "info": [
            "title": "Eventide REST API (Airflow 3 API v2)",
            "version": "2",
            "description": .string(
                "Airflow 3's REST API v2, served by Eventide: the same paths, bodies and answers for triggering runs, "
                    + "recording asset events and reading runs, assets and queues. Get a token with POST /auth/token "
                    + "and send it as `Authorization: Bearer <token>`."),
        ],
        "paths": paths,
        "components": [
            "schemas": schemas,
            "securitySchemes": ["HTTPBearer": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"]],
        ],
    ]

    // MARK: Paths

    static let paths: JSONValue = [
        "/auth/token": [
            "post": operation(
                "create_token", "Create Token", tag: "Auth", secured: false,
                body: "LoginBody", success: ("201", "LoginResponse"), errors: [400, 401, 413, 422])
        ],
        "/openapi.json": [
            "get": [
                "operationId": "get_openapi", "summary": "This document", "tags": ["Monitor"],
                "responses": [
                    "200": [
                        "description": "The OpenAPI document",
                        "content": ["application/json": ["schema": ["type": "object"]]],
                    ]
                ],
            ]
        ],
        "/api/v2/monitor/health": [
            "get": operation(
                "get_health", "Get Health", tag: "Monitor", secured: false, success: ("200", "HealthInfoResponse"))
        ],
        "/api/v2/dags/{dag_id}/dagRuns": [
            "post": operation(
                "trigger_dag_run", "Trigger Dag Run", tag: "DagRun", parameters: [dagId],
                body: "TriggerDAGRunPostBody", success: ("200", "DAGRunResponse"),
                errors: [400, 401, 403, 404, 409, 413, 422]),
            "get": operation(
                "get_dag_runs", "Get Dag Runs", tag: "DagRun",
                parameters: [dagIdOrAll, limit, offset],
                success: ("200", "DAGRunCollectionResponse"), errors: [401, 403, 404, 422]),
        ],
        "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}": [
            "get": operation(
                "get_dag_run", "Get Dag Run", tag: "DagRun", parameters: [dagId, dagRunId],
                success: ("200", "DAGRunResponse"), errors: [401, 403, 404])
        ],
        "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/upstreamAssetEvents": [
            "get": operation(
                "get_upstream_asset_events", "Get Upstream Asset Events", tag: "DagRun",
                parameters: [dagId, dagRunId], success: ("200", "AssetEventCollectionResponse"),
                errors: [401, 403, 404])
        ],
        "/api/v2/assets": [
            "get": operation(
                "get_assets", "Get Assets", tag: "Asset",
                parameters: [limit, offset, pattern("uri_pattern"), pattern("name_pattern")],
                success: ("200", "AssetCollectionResponse"), errors: [401, 403, 422])
        ],
        "/api/v2/assets/events": [
            "post": operation(
                "create_asset_event", "Create Asset Event", tag: "Asset", body: "CreateAssetEventsBody",
                success: ("200", "AssetEventResponse"), errors: [401, 403, 404, 409, 413, 422])
        ],
        "/api/v2/assets/{asset_id}/materialize": [
            "post": operation(
                "materialize_asset", "Materialize Asset", tag: "Asset", parameters: [assetId],
                success: ("200", "DAGRunResponse"), errors: [401, 403, 404, 409, 422])
        ],
        "/api/v2/assets/{asset_id}/queuedEvents": [
            "get": operation(
                "get_asset_queued_events", "Get Asset Queued Events", tag: "Asset", parameters: [assetId, before],
                success: ("200", "QueuedEventCollectionResponse"), errors: [400, 401, 403, 422]),
            "delete": operation(
                "delete_asset_queued_events", "Delete Asset Queued Events", tag: "Asset",
                parameters: [assetId, before], success: ("204", nil), errors: [400, 401, 403, 404, 422]),
        ],
        "/api/v2/dags/{dag_id}/assets/queuedEvents": [
            "get": operation(
                "get_dag_asset_queued_events", "Get Dag Asset Queued Events", tag: "Asset",
                parameters: [dagId, before], success: ("200", "QueuedEventCollectionResponse"),
                errors: [400, 401, 403, 422]),
            "delete": operation(
                "delete_dag_asset_queued_events", "Delete Dag Asset Queued Events", tag: "Asset",
                parameters: [dagId, before], success: ("204", nil), errors: [400, 401, 403, 404, 422]),
        ],
    ]

    /// Every (method, path) the document describes, e.g. `("POST", "/api/v2/assets/events")`.
    static var operations: Set<Operation> {
        var found: Set<Operation> = []
        for (path, item) in paths.objectValue ?? [:] {
            for method in (item.objectValue ?? [:]).keys {
                found.insert(Operation(method: method.uppercased(), path: path))
            }
        }
        return found
    }

    struct Operation: Hashable, Sendable, CustomStringConvertible {
        let method: String
        let path: String
        var description: String { "\(method) \(path)" }
    }

    // MARK: Building blocks

    static func reference(_ schema: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(schema)")] }

    static let errorDescriptions: [Int: String] = [
        400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
        413: "Content Too Large", 422: "Validation Error",
    ]

    static func operation(
        _ id: String, _ summary: String, tag: String, secured: Bool = true, parameters: [JSONValue] = [],
        body: String? = nil, success: (status: String, schema: String?), errors: [Int] = []
    ) -> JSONValue {
        var responses: [String: JSONValue] = [:]
        responses[success.status] =
            success.schema.map { ["description": "Successful Response", "content": json(reference($0))] }
            ?? ["description": "Successful Response"]
        for status in errors {
            let schema = status == 422 ? "HTTPValidationError" : "HTTPExceptionResponse"
            responses[String(status)] = [
                "description": .string(errorDescriptions[status] ?? "Error"), "content": json(reference(schema)),
            ]
        }
        var operation: [String: JSONValue] = [
            "operationId": .string(id), "summary": .string(summary), "tags": [.string(tag)],
            "responses": .object(responses),
        ]
        if secured { operation["security"] = [["HTTPBearer": []]] }
        if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
        if let body { operation["requestBody"] = ["required": true, "content": json(reference(body))] }
        return .object(operation)
    }

    static func json(_ schema: JSONValue) -> JSONValue { ["application/json": ["schema": schema]] }

    static func parameter(_ name: String, in location: String, required: Bool, schema: JSONValue) -> JSONValue {
        ["name": .string(name), "in": .string(location), "required": .bool(required), "schema": schema]
    }

    /// DAG ids are letters, digits, `_`, `-` and `.` (as in Airflow).
    static let dagId = parameter(
        "dag_id", in: "path", required: true, schema: ["type": "string", "pattern": "^[A-Za-z0-9_.-]+$"])
    /// `~` lists the runs of every DAG.
    static let dagIdOrAll = parameter(
        "dag_id", in: "path", required: true, schema: ["type": "string", "pattern": "^([A-Za-z0-9_.-]+|~)$"])
    static let dagRunId = parameter(
        "dag_run_id", in: "path", required: true,
        schema: ["type": "string", "pattern": .string(TriggerDagRunBody.runIdPattern)])
    static let assetId = parameter("asset_id", in: "path", required: true, schema: ["type": "integer"])
    static let limit = parameter(
        "limit", in: "query", required: false,
        schema: ["type": "integer", "minimum": 0, "default": .number(Double(QueryParameters.defaultLimit))])
    static let offset = parameter(
        "offset", in: "query", required: false, schema: ["type": "integer", "minimum": 0, "default": 0])
    static let before = parameter(
        "before", in: "query", required: false, schema: ["type": "string", "format": "date-time"])

    static func pattern(_ name: String) -> JSONValue {
        var value = parameter(name, in: "query", required: false, schema: ["type": "string"]).objectValue ?? [:]
        value["description"] = "SQL LIKE expression, any case: `%` and `_` are wildcards."
        return .object(value)
    }
}
