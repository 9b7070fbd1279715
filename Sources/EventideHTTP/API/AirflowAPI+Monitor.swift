import Eventide
import Hummingbird

/// `GET /api/v2/monitor/health`, in Airflow's `HealthInfoResponse` shape, without a token.
///
/// The metadatabase is healthy when a read query answers. The scheduler runs in this process: it is healthy when
/// its actor answers, and its "heartbeat" is the moment it did. The triggerer and DAG processor are not known to
/// the API: their status is `null`, as Airflow answers when it has no such job.
extension AirflowAPI {
    func health() async throws -> Response {
        var database: JSONValue = "healthy"
        do {
            _ = try await scheduler.assetRecord(id: 0)
        } catch {
            database = "unhealthy"
        }
        _ = await scheduler.registeredDags
        let heartbeat = AirflowDate.format(scheduler.clock.date)
        return .json([
            "metadatabase": ["status": database],
            "scheduler": ["status": "healthy", "latest_scheduler_heartbeat": .string(heartbeat)],
            "triggerer": ["status": nil, "latest_triggerer_heartbeat": nil],
            "dag_processor": ["status": nil, "latest_dag_processor_heartbeat": nil],
        ])
    }
}
