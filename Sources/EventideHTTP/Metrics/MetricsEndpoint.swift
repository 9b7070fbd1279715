import Eventide
import Hummingbird
import Prometheus

/// `GET /metrics`: a swift-prometheus registry in Prometheus' text exposition format.
///
/// It bootstraps nothing: the program that serves it makes the registry, gives the runtime a factory over it
/// (explicitly, or by bootstrapping swift-metrics once with `PrometheusMetrics.bootstrapOnce()`), and hands the same
/// registry here. Depth gauges are state read from the store, so the endpoint samples them before each scrape when
/// it is given the store (`init(registry:sampling:metrics:)`).
///
/// ```swift
/// let registry = PrometheusCollectorRegistry()
/// let metrics = RuntimeMetrics(factory: PrometheusMetrics.factory(registry: registry))
/// let orchestrator = Orchestrator(database: database, metrics: metrics)
/// let endpoint = MetricsEndpoint(registry: registry, sampling: database, metrics: metrics)
/// ```
public struct MetricsEndpoint: HTTPComponent {
    public let registry: PrometheusCollectorRegistry
    /// Runs before each scrape (and fails it with a 500 when it throws).
    public let beforeScrape: @Sendable () async throws -> Void

    public init(registry: PrometheusCollectorRegistry, beforeScrape: @escaping @Sendable () async throws -> Void = {}) {
        self.registry = registry
        self.beforeScrape = beforeScrape
    }

    /// Samples the store's depths (`RuntimeMetrics.sampleStore`) into `metrics`' gauges before each scrape;
    /// `metrics` must report to `registry` for them to show.
    public init(
        registry: PrometheusCollectorRegistry, sampling database: EventideDatabase, metrics: RuntimeMetrics,
        clock: EventideClock = .system
    ) {
        self.init(registry: registry) { try await metrics.sampleStore(database, clock: clock) }
    }

    /// Prometheus' text format, version 0.0.4.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public func register(on router: Router<EventideRequestContext>) {
        router.get("/metrics") { _, _ in
            try await beforeScrape()
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: Self.contentType],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}
