import Foundation
import Logging
import ServiceLifecycle

/// Runs asset watchers and deferred sensors' triggers.
///
/// Watchers run as child tasks of `run()` (a `Service`): registering a watcher while the triggerer runs
/// starts it at once; `stop(watcher:)` stops one; cancelling `run()` stops all. Each event a watcher sees is
/// recorded as an asset event and only then acknowledged at its source (at-least-once), deduplicated by the
/// source's message id. Stopping a watcher (or the triggerer) lets the event in hand finish first — recorded and
/// acknowledged — for up to `drainTimeout`, so that a graceful stop leaves no committed event unacknowledged (which
/// the source would deliver again after a restart). Status changes are published through `statusUpdates()`. A
/// watcher whose trigger throws is restarted after its `restart` policy's delay on the clock; beyond its retries it
/// is `failed`, and every wait on it throws `WaitError.watcherFailed`.
///
/// Watchers follow their consumers (`WatcherActivation.whileConsumed`, how `Orchestrator.register` adds them):
/// such a watcher runs only while at least one unpaused DAG schedules on its asset, and is `idle` otherwise.
/// Watchers with the same `sharingKey` (identical triggers on several assets) share ONE running trigger whose
/// events fan out to each of them (Triggerer+Sharing.swift). Several watchers of ONE asset can be ranked and
/// deduplicated by a business key: copies within a window, the best-ranked is recorded (Triggerer+Priority.swift).
///
/// ```swift
/// let triggerer = orchestrator.triggerer
/// try await triggerer.add(AssetWatcher(name: "orders_watcher", trigger: trigger), for: orders.key)
/// let status = try await triggerer.waitFor(watcher: "orders_watcher") { $0.eventsRecorded == 3 }
/// ```
public actor Triggerer: Service {
    let scheduler: Scheduler
    /// Restart delays, deferred-trigger timeouts and `lastEventAt` are measured on it (the scheduler's by default).
    public nonisolated let clock: EventideClock
    /// Where events that a watcher's `extract` refuses are kept, with the reason.
    public nonisolated let deadLetters: DeadLetterQueue
    /// How long a stop waits for the event in hand to be recorded and acknowledged before cancelling it.
    public private(set) var drainTimeout: Duration
    private let logger: Logger
    private var entries: [String: Entry] = [:]
    /// The running triggers, by runner key (a watcher's own, or the sharing key of identical watchers).
    private var runners: [String: Runner] = [:]
    /// Assets an unpaused DAG schedules on, as last read from the scheduler.
    private var consumed: Set<AssetKey> = []
    private var startRequests: AsyncStream<(String, AsyncStream<Void>)>.Continuation?
    private let updates = Broadcast<WatcherStatus>()
    /// The arbiters of prioritized assets (Triggerer+Priority.swift).
    var arbiters: [AssetKey: WatcherArbiter] = [:]
    public private(set) var deferredTriggers = 0

    private struct Entry {
        var watcher: AssetWatcher
        var status: WatcherStatus
        var activation: WatcherActivation
        /// Stopped with `stop(watcher:)`, or its source ended: stays stopped until `start(watcher:)`.
        var held = false

        var runnerKey: String { watcher.sharingKey.map { "shared:\($0)" } ?? "watcher:\(watcher.name)" }
    }

    private struct Runner {
        let stop: AsyncStream<Void>.Continuation
        var state: WatcherStatus.State
        /// Told to stop (nobody wants it); its watchers' states are set when it has stopped.
        var stopping = false
    }

    public init(
        scheduler: Scheduler, clock: EventideClock? = nil, drainTimeout: Duration = .seconds(10),
        logger: Logger = Logger(label: "eventide.triggerer")
    ) {
        self.scheduler = scheduler
        self.drainTimeout = drainTimeout
        self.clock = clock ?? scheduler.clock
        self.deadLetters = DeadLetterQueue(
            database: scheduler.database, clock: clock ?? scheduler.clock, metrics: scheduler.metrics)
        self.logger = logger
    }

    // MARK: Watchers

    /// Registers a watcher for an asset; it starts now if the triggerer is running (and, for
    /// `.whileConsumed`, an unpaused DAG schedules on the asset), else when it starts.
    public func add(
        _ watcher: AssetWatcher, for asset: AssetKey, activation: WatcherActivation = .always
    ) async throws(TriggererError) {
        guard entries[watcher.name] == nil else { throw TriggererError.duplicateWatcher(watcher.name) }
        let status = WatcherStatus(
            name: watcher.name, asset: asset, trigger: watcher.trigger.description,
            connectionId: watcher.connectionId)
        entries[watcher.name] = Entry(watcher: watcher, status: status, activation: activation)
        updates.publish(status)
        // Its DAG may have been registered just now: read the consumers first, so it does not pass through `idle`.
        if startRequests != nil, activation == .whileConsumed { await refreshConsumers() } else { reconcile() }
    }

    /// Stops one watcher; its status becomes `stopped`. It can be started again with `start(watcher:)`. A
    /// shared trigger keeps running for the other watchers that share it.
    public func stop(watcher name: String) throws(TriggererError) {
        guard entries[name] != nil else { throw TriggererError.unknownWatcher(name) }
        entries[name]?.held = true
        reconcile()
    }

    /// Starts a stopped or failed watcher again. While the triggerer runs, its status is `starting` when this
    /// returns (so a wait that follows does not see the old `failed`), or `idle` when it follows its consumers
    /// and has none.
    public func start(watcher name: String) throws(TriggererError) {
        guard let entry = entries[name] else { throw TriggererError.unknownWatcher(name) }
        entries[name]?.held = false
        guard [.stopped, .failed, .registered, .idle].contains(entry.status.state), startRequests != nil else { return }
        update(name) { $0.state = .starting }
        reconcile()
    }

    /// Sets how long a stop waits for the event in hand (`drainTimeout`, 10 s unless given at `init`).
    public func setDrainTimeout(_ timeout: Duration) { drainTimeout = timeout }

    public func status(of name: String) -> WatcherStatus? { entries[name]?.status }
    public var statuses: [WatcherStatus] { entries.values.map(\.status).sorted { $0.name < $1.name } }
    public nonisolated func statusUpdates() -> AsyncStream<WatcherStatus> { updates.subscribe() }

    /// Waits until the watcher reaches `state` (subscribes before looking: no update is missed). Throws
    /// `WaitError.watcherFailed` if the watcher fails first, `WaitError.deadlineExceeded` after `deadline`.
    public func waitFor(
        watcher name: String, state: WatcherStatus.State,
        deadline: WaitDeadline = .default
    ) async throws -> WatcherStatus {
        try await waitFor(watcher: name, deadline: deadline) { $0.state == state }
    }

    /// Waits until the watcher's status satisfies `condition`, e.g. `{ $0.eventsSeen == 3 }`. Throws
    /// `WaitError.watcherFailed` if the watcher fails (beyond its restart policy) before the condition holds,
    /// and `WaitError.deadlineExceeded` if it does not hold by the deadline.
    public func waitFor(
        watcher name: String, deadline: WaitDeadline = .default,
        where condition: @escaping @Sendable (WatcherStatus) -> Bool
    ) async throws -> WatcherStatus {
        let stream = statusUpdates()
        if let status = entries[name]?.status {
            if condition(status) { return status }
            if status.state == .failed { throw WaitError.watcherFailed(name: name, lastError: status.lastError) }
        }
        return try await deadline.enforce(waitingFor: "a status of watcher '\(name)' that satisfies the condition") {
            for await status in stream where status.name == name {
                if condition(status) { return status }
                if status.state == .failed { throw WaitError.watcherFailed(name: name, lastError: status.lastError) }
            }
            try Task.checkCancellation()
            throw WaitError.ended(waitingFor: "watcher '\(name)'")
        }
    }

    public func run() async throws {
        let (requests, continuation) = AsyncStream.makeStream(of: (String, AsyncStream<Void>).self)
        startRequests = continuation
        let changes = scheduler.consumerChanges()
        // The request stream ends when this task is cancelled or on graceful shutdown; then watchers stop.
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.followConsumers(changes) }
                for await (key, stopSignal) in requests {
                    group.addTask { await self.runTrigger(key, stopSignal: stopSignal) }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            continuation.finish()
        }
        startRequests = nil
        for name in entries.keys where entries[name]?.status.state == .idle { update(name) { $0.state = .stopped } }
    }

    // MARK: Following consumers

    /// Reads who consumes what now, then again on every change the scheduler announces, and starts or stops
    /// watchers accordingly.
    private func followConsumers(_ changes: AsyncStream<Void>) async {
        await refreshConsumers()
        for await _ in changes { await refreshConsumers() }
    }

    private func refreshConsumers() async {
        do {
            consumed = Set(try await scheduler.activeConsumers().keys)
        } catch {
            logger.warning("cannot read the consumers of watched assets, keeping the last known: \(error)")
        }
        reconcile()
    }

    /// Whether a watcher should be running now.
    private func wants(_ entry: Entry) -> Bool {
        !entry.held && entry.status.state != .failed
            && (entry.activation == .always || consumed.contains(entry.status.asset))
    }

    /// Names of the watchers of a runner that should receive its events now, sorted.
    func activeMembers(of key: String) -> [AssetWatcher] {
        entries.values.filter { $0.runnerKey == key && wants($0) }.map(\.watcher).sorted { $0.name < $1.name }
    }

    /// Starts the runners some watcher wants, stops those nobody wants, and sets each watcher's state to its
    /// runner's (or `idle` / `stopped` when it does not run). Does nothing while the triggerer is not running.
    private func reconcile() {
        guard let startRequests else { return }
        var wanted: [String: [String]] = [:]
        for (name, entry) in entries where wants(entry) { wanted[entry.runnerKey, default: []].append(name) }
        for (key, runner) in runners where wanted[key] == nil && !runner.stopping {
            runner.stop.yield()
            runners[key]?.stopping = true
        }
        for (key, names) in wanted where runners[key] == nil {
            let (signal, stop) = AsyncStream.makeStream(of: Void.self)
            runners[key] = Runner(stop: stop, state: .starting)
            startRequests.yield((key, signal))
            for name in names { update(name) { $0.state = .starting } }
        }
        for (name, entry) in entries where entry.status.state != .failed {
            let runner = runners[entry.runnerKey]
            if wants(entry), let runner {
                // A runner still stopping is started again when it has stopped (`runTrigger`).
                update(name) { $0.state = runner.stopping ? .starting : runner.state }
            } else if !wants(entry), runner?.stopping != true {
                update(name) { $0.state = entry.held ? .stopped : .idle }
            }
        }
    }

    /// The asset a watcher records on.
    func watchedAsset(_ name: String) -> AssetKey? { entries[name]?.status.asset }

    /// Sets the state of a runner and of the watchers it serves now.
    func setRunnerState(
        _ key: String, _ state: WatcherStatus.State, _ change: (inout WatcherStatus) -> Void = { _ in }
    ) {
        runners[key]?.state = state
        for watcher in activeMembers(of: key) {
            update(watcher.name) {
                $0.state = state; change(&$0)
            }
        }
    }

    func update(_ name: String, _ change: (inout WatcherStatus) -> Void) {
        guard var status = entries[name]?.status else { return }
        let before = status
        change(&status)
        guard status != before else { return }
        if status.state != before.state {
            status.history.append(status.state)
            if status.history.count > WatcherStatus.historyLimit { status.history.removeFirst() }
        }
        entries[name]?.status = status
        updates.publish(status)
    }

    /// Runs one trigger (one watcher's, or the one its identical watchers share) until it is stopped, its
    /// source ends, or it fails beyond its restart policy.
    private func runTrigger(_ key: String, stopSignal: AsyncStream<Void>) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.consume(key) }
            group.addTask { for await _ in stopSignal { break } }
            await group.next()
            group.cancelAll()
        }
        runners[key] = nil
        for (name, entry) in entries where entry.runnerKey == key && entry.status.state != .failed {
            if wants(entry) && !Task.isCancelled { continue }  // started again just below
            let following = entry.activation == .whileConsumed && !consumed.contains(entry.status.asset)
            update(name) { $0.state = !entry.held && following && !Task.isCancelled ? .idle : .stopped }
        }
        if !Task.isCancelled { reconcile() }  // wanted again while it was stopping
    }

    private func consume(_ key: String) async {
        var failures = 0
        while !Task.isCancelled {
            guard let watcher = activeMembers(of: key).first else { return }
            setRunnerState(key, .starting)
            do {
                let events = try watcher.trigger.events()
                setRunnerState(key, .running) { $0.lastError = nil }  // recovered: the error is history
                for try await event in events {
                    try await handleToTheEnd(event, runner: key)
                    failures = 0
                }
                // The source ended: its watchers stay stopped until started again.
                for member in activeMembers(of: key) { entries[member.name]?.held = true }
                return
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                failures += 1
                logger.warning("watcher \(watcher.name) failed: \(error)")
                let members = activeMembers(of: key)
                guard failures <= watcher.restart.retries else {
                    setRunnerState(key, .failed) { $0.lastError = "\(error)" }
                    for member in members { scheduler.metrics.watcherFailed(member.name) }
                    return
                }
                setRunnerState(key, .restarting) {
                    $0.lastError = "\(error)"; $0.restarts += 1
                }
                for member in members { scheduler.metrics.watcherRestarted(member.name) }
                var random = SystemRandomNumberGenerator()
                try? await clock.sleep(for: watcher.restart.jitteredDelay(beforeTry: failures + 1, using: &random))
            }
        }
    }

    /// Handles an event in a task of its own, which a stop does not cancel at once: the stop waits for the event to
    /// be recorded and acknowledged, and cancels it only after `drainTimeout` (a source that never answers). Waiting
    /// for the next event is cancelled at once as before.
    private func handleToTheEnd(_ event: TriggerEvent, runner key: String) async throws {
        let handling = Task { try await self.handle(event, runner: key) }
        try await withTaskCancellationHandler {
            try await handling.value
        } onCancel: { [drainTimeout] in
            Task {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { _ = await handling.result }
                    group.addTask { try? await Task.sleep(for: drainTimeout) }
                    await group.next()  // handled, or out of time: then cancelled
                    handling.cancel()
                    group.cancelAll()
                }
            }
        }
    }

    // MARK: Deferred sensors

    /// Runs a trigger for a deferred task and returns its first event, or throws `TriggerError.timedOut`.
    public func awaitFirstEvent(of trigger: any Trigger, timeout: Duration?) async throws -> TriggerEvent {
        deferredTriggers += 1
        defer { deferredTriggers -= 1 }
        return try await withThrowingTaskGroup(of: TriggerEvent.self) { group in
            group.addTask {
                for try await event in try trigger.events() { return event }
                throw TriggerError.ended(trigger: trigger.description)
            }
            if let timeout {
                group.addTask {
                    try await self.clock.sleep(for: timeout)
                    throw TriggerError.timedOut(trigger: trigger.description, after: timeout)
                }
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw TriggerError.ended(trigger: trigger.description) }
            return first
        }
    }
}

/// What went wrong registering or controlling a watcher.
public enum TriggererError: Error, Sendable, Equatable, CustomStringConvertible {
    case duplicateWatcher(String)
    case unknownWatcher(String)

    public var description: String {
        switch self {
        case .duplicateWatcher(let name): "a watcher named '\(name)' is already registered; watcher names are unique."
        case .unknownWatcher(let name): "no watcher named '\(name)' is registered."
        }
    }
}
