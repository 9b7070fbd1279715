import Eventide
import Metrics
import Prometheus

/// swift-prometheus set up for the runtime's metrics: histogram buckets that fit them, and swift-metrics'
/// bootstrap made safe to ask for more than once.
public enum PrometheusMetrics {
    /// A factory over `registry` with buckets for the runtime's histograms: run durations from 5 ms to an hour,
    /// watcher lag from 1 ms to a minute (Prometheus' defaults stop at 10 s).
    public static func factory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[MetricName.dagRunDuration] = [
            .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300),
            .seconds(900), .seconds(3600),
        ]
        factory.durationHistogramBuckets[MetricName.watcherLag] = [
            .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        return factory
    }

    /// The process's registry: the first call makes it and bootstraps swift-metrics with `factory(registry:)` over
    /// it; every later call returns the same registry. `MetricsSystem.bootstrap` may run once per process (a second
    /// call traps), so a program that serves `/metrics` calls this instead, before it makes the runtime (a runtime
    /// made earlier keeps the no-op factory it found), and never bootstraps swift-metrics itself.
    public static func bootstrapOnce() -> PrometheusCollectorRegistry { shared }

    private static let shared: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(factory(registry: registry))
        return registry
    }()
}
