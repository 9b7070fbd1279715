import Foundation
import Logging
import ServiceLifecycle

/// Runs asset watchers and deferred sensors' triggers.
///
/// Watchers run as child tasks of `run()` (a `Service`): registering a watcher while the triggerer runs
/// starts it at once; `stop(watcher:)` stops one; cancelling `run()` stops all. Each event a watcher sees is
/// recorded as an asset event and only then acknowledged at its source (at-least-once), deduplicated by the
/// source's message id. Status changes are published through `statusUpdates()`. A watcher whose trigger throws
/// is restarted after its `restart` policy's delay on the clock; beyond its retries it is `failed`, and every
/// wait on it throws `WaitError.watcherFailed`.
///
/// ```swift
/// let triggerer = orchestrator.triggerer
/// try await triggerer.add(AssetWatcher(name: "orders_watcher", trigger: trigger), for: orders.key)
/// let status = try await triggerer.waitFor(watcher: "orders_watcher") { $0.eventsRecorded == 3 }
/// ```
public actor Triggerer: Service {
    private let scheduler: Scheduler
    /// Restart delays, deferred-trigger timeouts and `lastEventAt` are measured on it (the scheduler's by default).
    public nonisolated let clock: EventideClock
    /// Where events that a watcher's `extract` refuses are kept, with the reason.
    public nonisolated let deadLetters: DeadLetterQueue
    private let logger: Logger
    private var entries: [String: Entry] = [:]
    private var startRequests: AsyncStream<String>.Continuation?
    private let updates = Broadcast<WatcherStatus>()
    public private(set) var deferredTriggers = 0

    private struct Entry {
        var watcher: AssetWatcher
        var status: WatcherStatus
        var stop: AsyncStream<Void>.Continuation?
    }

    public init(scheduler: Scheduler, clock: EventideClock? = nil, logger: Logger = Logger(label: "eventide.triggerer"))
    {
        self.scheduler = scheduler
        self.clock = clock ?? scheduler.clock
        self.deadLetters = DeadLetterQueue(
            database: scheduler.database, clock: clock ?? scheduler.clock, metrics: scheduler.metrics)
        self.logger = logger
    }

    // MARK: Watchers

    /// Registers a watcher for an asset; it starts now if the triggerer is running, else when it starts.
    public func add(_ watcher: AssetWatcher, for asset: AssetKey) throws(TriggererError) {
        guard entries[watcher.name] == nil else { throw TriggererError.duplicateWatcher(watcher.name) }
        let status = WatcherStatus(
            name: watcher.name, asset: asset, trigger: watcher.trigger.description,
            connectionId: watcher.connectionId)
        entries[watcher.name] = Entry(watcher: watcher, status: status)
        updates.publish(status)
        startRequests?.yield(watcher.name)
    }

    /// Stops one watcher; its status becomes `stopped`. It can be started again with `start(watcher:)`.
    public func stop(watcher name: String) throws(TriggererError) {
        guard let entry = entries[name] else { throw TriggererError.unknownWatcher(name) }
        entry.stop?.yield()
    }

    /// Starts a stopped or failed watcher again. While the triggerer runs, its status is `starting` when this
    /// returns (so a wait that follows does not see the old `failed`).
    public func start(watcher name: String) throws(TriggererError) {
        guard let entry = entries[name] else { throw TriggererError.unknownWatcher(name) }
        guard [.stopped, .failed, .registered].contains(entry.status.state), let startRequests else { return }
        if entry.stop == nil { update(name) { $0.state = .starting } }
        startRequests.yield(name)
    }

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
        let (requests, continuation) = AsyncStream.makeStream(of: String.self)
        startRequests = continuation
        for name in entries.keys.sorted() where entries[name]?.status.state == .registered {
            continuation.yield(name)
        }
        // The request stream ends when this task is cancelled or on graceful shutdown; then watchers stop.
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await name in requests {
                    guard let entry = self.entries[name], entry.stop == nil else { continue }
                    let (stopSignal, stop) = AsyncStream.makeStream(of: Void.self)
                    self.entries[name]?.stop = stop
                    group.addTask { await self.runWatcher(entry.watcher, stopSignal: stopSignal) }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            continuation.finish()
        }
        startRequests = nil
    }

    private func update(_ name: String, _ change: (inout WatcherStatus) -> Void) {
        guard var status = entries[name]?.status else { return }
        let before = status.state
        change(&status)
        if status.state != before {
            status.history.append(status.state)
            if status.history.count > WatcherStatus.historyLimit { status.history.removeFirst() }
        }
        entries[name]?.status = status
        updates.publish(status)
    }

    /// Runs one watcher until it is stopped, its trigger ends, or it fails beyond its restart policy.
    private func runWatcher(_ watcher: AssetWatcher, stopSignal: AsyncStream<Void>) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.consume(watcher) }
            group.addTask { for await _ in stopSignal { break } }
            await group.next()
            group.cancelAll()
        }
        entries[watcher.name]?.stop = nil
        update(watcher.name) { if $0.state != .failed { $0.state = .stopped } }
    }

    private func consume(_ watcher: AssetWatcher) async {
        var failures = 0
        while !Task.isCancelled {
            update(watcher.name) { $0.state = .starting }
            do {
                let events = try watcher.trigger.events()
                update(watcher.name) {
                    $0.state = .running; $0.lastError = nil
                }  // recovered: the error is history
                for try await event in events {
                    try await handle(event, from: watcher)
                    failures = 0
                }
                return  // the source ended
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                failures += 1
                logger.warning("watcher \(watcher.name) failed: \(error)")
                guard failures <= watcher.restart.retries else {
                    update(watcher.name) {
                        $0.state = .failed; $0.lastError = "\(error)"
                    }
                    scheduler.metrics.watcherFailed(watcher.name)
                    return
                }
                update(watcher.name) {
                    $0.state = .restarting; $0.lastError = "\(error)"; $0.restarts += 1
                }
                scheduler.metrics.watcherRestarted(watcher.name)
                var random = SystemRandomNumberGenerator()
                try? await clock.sleep(for: watcher.restart.jitteredDelay(beforeTry: failures + 1, using: &random))
            }
        }
    }

    private func handle(_ event: TriggerEvent, from watcher: AssetWatcher) async throws {
        guard let asset = entries[watcher.name]?.status.asset else { return }
        let fired = clock.date
        update(watcher.name) {
            $0.eventsSeen += 1; $0.lastEventAt = fired
        }
        let metrics = scheduler.metrics
        if let filter = watcher.filter, !filter(event) {
            try await event.acknowledge()
            update(watcher.name) { $0.filtered += 1 }
            metrics.watcherEvent(watcher.name, .filtered)
            return
        }
        let extra: [String: JSONValue]
        do {
            extra = try watcher.extract(event)
        } catch {
            // A poison message: keep it, with the reason, before telling the source to give it up.
            try await deadLetters.add(
                source: watcher.name, messageId: event.messageId, payload: event.payload,
                reason: "\(error)", attempts: event.deliveryCount)
            if let reject = event.reject { try await reject("\(error)") } else { try await event.acknowledge() }
            update(watcher.name) { $0.deadLettered += 1 }
            metrics.watcherEvent(watcher.name, .deadLettered)
            return
        }
        let recorded = try await scheduler.recordAssetEvent(
            asset, extra: extra, source: .watcher(name: watcher.name, messageId: event.messageId))
        // Lag: from when the source says the message happened (else when the trigger saw it, else when it fired) to
        // the commit that just returned.
        let lag = Duration.seconds(clock.date.timeIntervalSince(event.occurredAt ?? event.observedAt ?? fired))
        if !recorded.duplicate { metrics.watcherLag(watcher.name, lag) }
        // Counted once acknowledged, and also when the acknowledgement fails: the asset event is committed, and the
        // source's next delivery of the message counts as a duplicate.
        defer {
            update(watcher.name) { status in
                if recorded.duplicate { status.duplicates += 1 } else { status.eventsRecorded += 1 }
                if !recorded.duplicate { status.lastLag = max(lag, .zero) }
            }
            metrics.watcherEvent(watcher.name, recorded.duplicate ? .duplicate : .recorded)
        }
        // Only now, with the asset event committed, tell the source it may forget the message.
        try await event.acknowledge()
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
