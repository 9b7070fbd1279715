import Eventide
import EventideHTTP
import EventideTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing

/// `GET /metrics` over a runtime that reports to a registry of its own (no global bootstrap).
@Suite(.timeLimit(.minutes(2)))
struct MetricsEndpointTests {
    /// The exposition's samples, `name{labels}` → value.
    static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    @Test func servesTheRuntimesCountersHistogramsAndTheStoresDepths() async throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = RuntimeMetrics(factory: PrometheusMetrics.factory(registry: registry))
        let database = try TemporaryDatabase.make("metrics")
        let orchestrator = Orchestrator(database: database, metrics: metrics)
        let orders = try Asset(uri: "s3://lake/orders")
        let paused = try DAG(
            "paused", schedule: .on([orders]), isPausedUponCreation: true, tasks: [TaskDefinition("t") { _ in .none }])
        let manual = try DAG("manual", tasks: [TaskDefinition("t") { _ in .none }])
        try await orchestrator.register(dags: [paused, manual], assets: [orders])
        try await orchestrator.withServices {
            for id in ["1", "2", "2"] {
                try await orchestrator.scheduler.recordAssetEvent(orders.key, source: .api(messageId: id))
            }
            try await orchestrator.scheduler.triggerRun("manual")
            _ = try await orchestrator.scheduler.waitForFinishedRuns(of: "manual", count: 1)
        }
        let endpoint = MetricsEndpoint(registry: registry, sampling: database, metrics: metrics)
        try await EventideHTTPServer(components: [endpoint]).application().test(.router) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == MetricsEndpoint.contentType)
            let samples = Self.samples(String(buffer: response.body))
            #expect(samples[#"eventide_asset_events_recorded_total{source_kind="api"}"#] == 2)
            #expect(samples[#"eventide_asset_event_duplicates_total{source_kind="api"}"#] == 1)
            #expect(samples[#"eventide_dag_runs_created_total{dag_id="manual",run_type="manual"}"#] == 1)
            #expect(samples[#"eventide_dag_run_duration_seconds_count{dag_id="manual",state="success"}"#] == 1)
            #expect(
                samples[#"eventide_dag_run_duration_seconds_bucket{dag_id="manual",state="success",le="+Inf"}"#] == 1)
            #expect(samples[#"eventide_asset_event_queue_depth{dag_id="paused"}"#] == 2)
            #expect(samples[#"eventide_asset_event_queue_depth{dag_id="manual"}"#] == 0)
        }
    }

    @Test func aFailingSampleFailsTheScrape() async throws {
        struct Unreadable: Error {}
        let endpoint = MetricsEndpoint(registry: PrometheusCollectorRegistry()) { throw Unreadable() }
        try await EventideHTTPServer(components: [endpoint]).application().test(.router) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .internalServerError)
        }
    }
}
