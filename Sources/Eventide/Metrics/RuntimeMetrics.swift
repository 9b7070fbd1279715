import Foundation
import Metrics

/// Where the runtime reports its metrics (swift-metrics): events recorded and duplicates dropped, runs created and
/// their durations, dead letters, watcher outcomes, restarts and lag, embedded queue traffic; and, sampled from the
/// store, queue depths (`sampleStore`). Names and labels are in `MetricName`.
///
/// The factory is taken when the value is made: by default `MetricsSystem.factory`, the one the process
/// bootstrapped (or the task-local one of `withMetricsFactory`), which is a no-op until a backend is bootstrapped.
/// `MetricsSystem.bootstrap` may run once per process, so bootstrap before making the runtime; a runtime made
/// earlier keeps reporting to the no-op factory. Tests and processes with several runtimes pass a factory
/// explicitly instead of bootstrapping:
///
/// ```swift
/// let registry = PrometheusCollectorRegistry()                         // swift-prometheus
/// let metrics = RuntimeMetrics(factory: PrometheusMetricsFactory(registry: registry))
/// let orchestrator = Orchestrator(database: database, metrics: metrics)
/// ```
public struct RuntimeMetrics: Sendable {
    public let factory: any MetricsFactory

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// What a watcher did with one event of its trigger.
    public enum WatcherOutcome: String, Sendable, CaseIterable {
        case recorded, duplicate, filtered
        case deadLettered = "dead_lettered"
    }

    /// What happened to messages of an embedded queue.
    public enum QueueOutcome: String, Sendable, CaseIterable {
        case sent, received, deleted
        case deadLettered = "dead_lettered"
    }

    // MARK: Scheduler

    func assetEventRecorded(source: AssetEventSource, duplicate: Bool) {
        let name = duplicate ? MetricName.assetEventDuplicates : MetricName.assetEventsRecorded
        count(name, [(MetricName.Label.sourceKind, source.kind)])
    }

    func runsCreated(_ runs: [DagRunRef], type: DagRunType) {
        for run in runs {
            count(
                MetricName.dagRunsCreated,
                [(MetricName.Label.dagId, run.dagId), (MetricName.Label.runType, type.rawValue)])
        }
    }

    // MARK: Executor

    func runFinished(dagId: String, state: DagRunState, duration: Duration) {
        Timer(
            label: MetricName.dagRunDuration,
            dimensions: [(MetricName.Label.dagId, dagId), (MetricName.Label.state, state.rawValue)], factory: factory
        ).record(duration: max(duration, .zero))
    }

    // MARK: Dead letters

    func deadLettered(source: String) {
        count(MetricName.deadLetters, [(MetricName.Label.source, source)])
    }

    func redriven(_ letters: [DeadLetter]) {
        for letter in letters { count(MetricName.deadLettersRedriven, [(MetricName.Label.source, letter.source)]) }
    }

    // MARK: Triggerer

    func watcherEvent(_ watcher: String, _ outcome: WatcherOutcome) {
        count(
            MetricName.watcherEvents,
            [(MetricName.Label.watcher, watcher), (MetricName.Label.outcome, outcome.rawValue)])
    }

    func watcherRestarted(_ watcher: String) {
        count(MetricName.watcherRestarts, [(MetricName.Label.watcher, watcher)])
    }

    func watcherFailed(_ watcher: String) {
        count(MetricName.watcherFailures, [(MetricName.Label.watcher, watcher)])
    }

    func watcherLag(_ watcher: String, _ lag: Duration) {
        Timer(label: MetricName.watcherLag, dimensions: [(MetricName.Label.watcher, watcher)], factory: factory)
            .record(duration: max(lag, .zero))
    }

    // MARK: Embedded queues

    func embeddedQueue(_ queue: String, _ outcome: QueueOutcome, messages: Int = 1) {
        guard messages > 0 else { return }
        CoreMetrics.Counter(
            label: MetricName.embeddedQueueMessages,
            dimensions: [(MetricName.Label.queue, queue), (MetricName.Label.outcome, outcome.rawValue)],
            factory: factory
        ).increment(by: Int64(messages))
    }

    // MARK: Helpers

    private func count(_ name: String, _ dimensions: [(String, String)]) {
        CoreMetrics.Counter(label: name, dimensions: dimensions, factory: factory).increment()
    }

    func gauge(_ name: String, _ dimensions: [(String, String)], _ value: Int) {
        Gauge(label: name, dimensions: dimensions, factory: factory).record(value)
    }
}
