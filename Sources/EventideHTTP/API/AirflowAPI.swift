import Eventide
import Hummingbird

/// Airflow 3's REST API v2 over a `Scheduler`: the same paths and JSON shapes, so the requests Airflow users send
/// (trigger a run with conf, record an asset event, read runs, assets and queues) work against Eventide.
///
/// - `POST /auth/token` issues a JWT (see `APIAuthenticator`); every `/api/v2` route but the health check takes
///   `Authorization: Bearer <token>` (`BearerAuthMiddleware`).
/// - Runs: `POST|GET /api/v2/dags/{dag_id}/dagRuns`, `GET …/dagRuns/{dag_run_id}`,
///   `GET …/dagRuns/{dag_run_id}/upstreamAssetEvents`.
/// - Assets: `GET /api/v2/assets`, `POST /api/v2/assets/events` (by `asset_id`, `uri` or `name`),
///   `POST /api/v2/assets/{asset_id}/materialize`, `GET|DELETE /api/v2/assets/{asset_id}/queuedEvents`,
///   `GET|DELETE /api/v2/dags/{dag_id}/assets/queuedEvents`.
/// - `GET /api/v2/monitor/health` and `GET /openapi.json` (the document describing all of the above), no token.
///
/// Errors are Airflow's: `{"detail": "…"}`, or FastAPI's 422 list for a request of the wrong shape; nothing is
/// recorded for a refused request.
///
/// ```swift
/// let auth = try await APIAuthConfiguration(users: ["alice": .init(role: .op, passwordVariable: "ALICE_PW")])
///     .authenticator()
/// let server = EventideHTTPServer(components: [AirflowAPI(scheduler: orchestrator.scheduler, authenticator: auth)])
/// try await server.withRunning { running in … }           // POST running.baseURL + "/auth/token", then /api/v2/…
/// ```
public struct AirflowAPI: HTTPComponent {
    public let scheduler: Scheduler
    public let authenticator: APIAuthenticator

    public init(scheduler: Scheduler, authenticator: APIAuthenticator) {
        self.scheduler = scheduler
        self.authenticator = authenticator
    }

    public func register(on router: Router<EventideRequestContext>) {
        TokenEndpoint(authenticator: authenticator).register(on: router)
        router.get("/openapi.json") { _, _ in Response.json(OpenAPIDocument.document) }
        router.get("/api/v2/monitor/health") { _, _ in try await health() }
        let api = router.group("/api/v2").add(middleware: BearerAuthMiddleware(authenticator: authenticator))
        registerDagRuns(on: api)
        registerAssets(on: api)
        registerQueuedEvents(on: api)
    }
}
