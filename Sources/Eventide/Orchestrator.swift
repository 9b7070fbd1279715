import Foundation
import Logging
import ServiceLifecycle

/// The runtime in one place: the SQLite database, the durable event log, the scheduler, the triggerer and
/// the executor.
///
/// ```swift
/// let orchestrator = try Orchestrator(database: .temporary())
/// try await orchestrator.register(dags: [producer, consumer])
/// try await orchestrator.withServices {
///     try await orchestrator.scheduler.triggerRun("producer")
///     _ = try await orchestrator.scheduler.waitForFinishedRuns(of: "consumer", count: 1)
/// }
/// ```
public final class Orchestrator: Sendable {
    public let database: EventideDatabase
    public let log: EventLog
    public let scheduler: Scheduler
    public let triggerer: Triggerer
    public let executor: Executor
    /// The one clock of the runtime: interval schedules, retries, restart back-offs, timeouts and every
    /// recorded date are measured by it.
    public let clock: EventideClock

    /// Metrics go to `metrics` (by default the factory the process bootstrapped, see `RuntimeMetrics`).
    public init(
        database: EventideDatabase, clock: EventideClock = .system,
        logger: Logger = Logger(label: "eventide"), metrics: RuntimeMetrics = RuntimeMetrics(),
        executor executorSettings: ExecutorSettings = ExecutorSettings()
    ) {
        self.database = database
        self.clock = clock
        log = EventLog(database: database, clock: clock)
        scheduler = Scheduler(database: database, clock: clock, metrics: metrics)
        triggerer = Triggerer(scheduler: scheduler, logger: logger)
        executor = Executor(scheduler: scheduler, triggerer: triggerer, settings: executorSettings, logger: logger)
    }

    /// Registers DAGs and assets, like parsing a DAG folder: each watcher of an asset that some DAG's
    /// schedule waits on (directly or through an asset reference) is registered with the triggerer (Airflow
    /// runs only those), following its consumers:
    /// it runs only while one of those DAGs is unpaused (`WatcherActivation.whileConsumed`).
    public func register(dags: [DAG], assets: [Asset] = []) async throws {
        try await scheduler.register(dags, assets: assets)
        let scheduled = await scheduler.scheduledAssetKeys
        // Also the assets declared earlier: a DAG registered now may schedule on one (by a reference, too).
        for asset in assets + (await scheduler.declaredAssets) where scheduled.contains(asset.key) {
            for watcher in asset.watchers where await triggerer.status(of: watcher.name) == nil {
                try await triggerer.add(watcher, for: asset.key, activation: .whileConsumed)
            }
        }
    }

    /// Runs the triggerer, the executor and the interval timetable until cancelled (the `Service` shape, for
    /// a `ServiceGroup`). DAGs with an interval schedule must be registered before this starts.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.triggerer.run() }
            group.addTask { try await self.executor.run() }
            group.addTask { try await IntervalTimetable(scheduler: self.scheduler, clock: self.clock).run() }
        }
    }

    /// Runs `body` while the triggerer and the executor run, then stops them.
    public func withServices<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await self.run(); return nil
            }
            group.addTask { try await body() }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            throw CancellationError()
        }
    }
}

extension Orchestrator: Service {}
