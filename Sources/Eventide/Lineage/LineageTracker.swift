import Foundation
import GRDB
import Tracing

/// Follows a scheduler and records the lineage of every asset event, run and task instance: correlation and
/// causation ids, persisted in the store (`LineageStore`), and a span per step on a `Tracer`, linked parent to
/// child along the chain source message → asset event → run → task → asset event the task emits → … .
///
/// Nothing in the scheduler or the executor calls it: it reads what they record. `run()` (the `Service` shape)
/// follows the scheduler's notifications as they happen; every `track…` call is idempotent and derives a step
/// from the store, first tracking what caused it, so the order notifications arrive in does not matter, and
/// `catchUp()` completes the lineage of a store after the fact. A source message's correlation id, causation id
/// and W3C `traceparent` are read from the trigger event's payload (`LineageHeaders`); `headers(forEvent:)` and
/// `headers(for:)` give what a relay or a task puts on a message it sends, so the next DAG continues the trace.
///
/// ```swift
/// let tracker = LineageTracker(scheduler: orchestrator.scheduler)
/// group.addTask { try await tracker.run() }
/// let chain = try tracker.store.chain(to: LineageNode.task(ref, taskId: "invoice"))   // message … task
/// ```
public actor LineageTracker {
    public nonisolated let scheduler: Scheduler
    public nonisolated let tracer: RecordingTracer
    public nonisolated let store: LineageStore
    private nonisolated var database: EventideDatabase { scheduler.database }
    /// Spans of runs and tasks still running, by node id.
    private var open: [String: RecordingSpan] = [:]
    /// Steps that could not be tracked while following the scheduler (a store error), with the error.
    public private(set) var failures: [String] = []

    public init(scheduler: Scheduler, tracer: RecordingTracer = RecordingTracer()) {
        self.scheduler = scheduler
        self.tracer = tracer
        store = LineageStore(database: scheduler.database)
    }

    /// Follows the scheduler until cancelled: every event recorded, run created and run finished is tracked as
    /// it happens. Starts with `catchUp()`, so what happened before it started is tracked too.
    public func run() async throws {
        let events = scheduler.recordedAssetEvents()
        let created = scheduler.createdRuns()
        let updates = scheduler.runUpdates()
        try await catchUp()
        await withDiscardingTaskGroup { group in
            group.addTask { for await event in events { await self.follow(.event(event.id)) } }
            group.addTask { for await ref in created { await self.follow(.run(ref)) } }
            group.addTask {
                for await update in updates where update.state.isFinished { await self.follow(.finished(update.ref)) }
            }
        }
    }

    private enum Step: Sendable {
        case event(Int64), run(DagRunRef), finished(DagRunRef)
    }

    private func follow(_ step: Step) {
        do {
            switch step {
            case .event(let id): try trackEvent(id)
            case .run(let ref): try trackRun(ref)
            case .finished(let ref): try finishRun(ref)
            }
        } catch {
            failures.append("\(error)")
        }
    }

    /// Tracks everything in the store not tracked yet (events, runs, the tasks of finished runs) and the DAGs'
    /// run limits; what is tracked already is left as it is.
    public func catchUp() async throws {
        let dags = await scheduler.registeredDags
        try await database.pool.write { try LineageStore.recordDagSettings(dags, $0) }
        let (eventIds, runs) = try await database.pool.read { db in
            (
                try Int64.fetchAll(db, sql: "SELECT id FROM asset_event ORDER BY id"),
                try Row.fetchAll(db, sql: "SELECT dag_id, run_id FROM dag_run ORDER BY queued_at, rowid").map {
                    DagRunRef(dagId: $0["dag_id"], runId: $0["run_id"])
                }
            )
        }
        for id in eventIds { try trackEvent(id) }
        for ref in runs { try finishRun(ref) }
    }

    // MARK: Steps

    /// The lineage of an asset event: for a watcher's, its source message first (correlation and causation ids
    /// and the sender's `traceparent` from the payload); for a task's, that task instance.
    @discardableResult
    public func trackEvent(_ id: Int64) throws -> LineageNode {
        let key = LineageNode.event(id)
        if let node = try LineageStore.node(key, in: database) { return node }
        guard
            let event = try database.pool.read({ db in
                try db.row("SELECT * FROM asset_event WHERE id = ?", arguments: [id]).map(SchedulerStore.assetEvent)
            })
        else { throw LineageError.unknownEvent(id) }
        let correlation: String
        var causes: [String] = []
        var parent: TraceParent?
        var kind = SpanKind.internal
        switch event.source {
        case .watcher(let name, let messageId):
            let headers = LineageHeaders(payload: event.extra[AssetEvent.payloadKey])
            let message = LineageNode.message(watcher: name, messageId: messageId ?? "event-\(id)")
            correlation = headers.correlationId ?? message
            try persist(
                LineageNode(
                    id: message, kind: .message, label: "message \(messageId ?? "without id") read by watcher \(name)",
                    correlationId: correlation, causes: headers.causationId.map { [$0] } ?? [],
                    traceParent: headers.traceParent, parentSpanId: nil, at: event.timestamp))
            (causes, parent, kind) = ([message], headers.traceParent, .consumer)
        case .task(let dagId, let runId, let taskId):
            let task = try trackTask(DagRunRef(dagId: dagId, runId: runId), taskId: taskId)
            (correlation, causes, parent) = (task.correlationId, [task.id], task.traceParent)
        case .api:
            let headers = LineageHeaders(payload: .object(event.extra))
            correlation = headers.correlationId ?? key
            (causes, parent) = (headers.causationId.map { [$0] } ?? [], headers.traceParent)
        }
        let at = LineageInstant(event.timestamp)
        let span = tracer.startSpan(
            "record \(event.asset.name)", context: InstrumentationContext(traceParent: parent), ofKind: kind, at: at)
        span.attributes["eventide.asset"] = event.asset.name
        span.attributes["eventide.asset_event.id"] = Int64(id)
        span.attributes["eventide.correlation_id"] = correlation
        span.attributes["eventide.source"] = event.source.description
        span.end(at: at)
        let node = LineageNode(
            id: key, kind: .event, label: "\(event.asset.name) #\(id) from \(event.source)", correlationId: correlation,
            causes: causes, traceParent: span.traceParent, parentSpanId: parent?.spanId, at: event.timestamp)
        try persist(node)
        return node
    }

    /// The lineage of a run: the events it consumed (the first is its cause and its span's parent, the others
    /// are links), or, for a run no event created, the `correlation_id` and `traceparent` of its conf.
    @discardableResult
    public func trackRun(_ ref: DagRunRef) throws -> LineageNode {
        let key = LineageNode.run(ref)
        if let node = try LineageStore.node(key, in: database) { return node }
        let run = try fetchRun(ref)
        let events = try run.triggeringAssetEvents.map { try trackEvent($0.id) }
        let headers = LineageHeaders(payload: run.conf)
        let first = events.first
        let parent = first?.traceParent ?? (first == nil ? headers.traceParent : nil)
        let span = tracer.startSpan(
            "run \(ref.dagId)", context: InstrumentationContext(traceParent: parent), ofKind: .internal,
            at: LineageInstant(run.queuedAt))
        for other in events.dropFirst() {
            span.addLink(SpanLink(context: InstrumentationContext(traceParent: other.traceParent), attributes: [:]))
        }
        span.attributes["eventide.dag_id"] = ref.dagId
        span.attributes["eventide.run_id"] = ref.runId
        span.attributes["eventide.run_type"] = run.runType.rawValue
        span.attributes["eventide.consumed_events"] = Int64(events.count)
        let node = LineageNode(
            id: key, kind: .run, label: "\(ref.dagId) \(ref.runId) (\(run.runType.rawValue))",
            correlationId: first?.correlationId ?? headers.correlationId ?? key,
            causes: events.isEmpty ? (headers.causationId.map { [$0] } ?? []) : events.map(\.id),
            traceParent: span.traceParent, parentSpanId: parent?.spanId, at: run.queuedAt)
        try persist(node)
        open[key] = span
        if run.state.isFinished { try finish(run) }
        return node
    }

    /// The lineage of a task instance that has started: a child of its run.
    @discardableResult
    public func trackTask(_ ref: DagRunRef, taskId: String) throws -> LineageNode {
        let key = LineageNode.task(ref, taskId: taskId)
        if let node = try LineageStore.node(key, in: database) { return node }
        let runNode = try trackRun(ref)
        if let node = try LineageStore.node(key, in: database) { return node }  // tracking a finished run did it
        let run = try fetchRun(ref)
        guard let instance = run.taskInstances.first(where: { $0.taskId == taskId }), let started = instance.startedAt
        else { throw LineageError.unknownTask(ref, taskId: taskId) }
        let span = tracer.startSpan(
            "task \(ref.dagId).\(taskId)", context: InstrumentationContext(traceParent: runNode.traceParent),
            ofKind: .internal, at: LineageInstant(started))
        span.attributes["eventide.task_id"] = taskId
        let node = LineageNode(
            id: key, kind: .task, label: "\(ref.dagId).\(taskId) in \(ref.runId)", correlationId: runNode.correlationId,
            causes: [runNode.id], traceParent: span.traceParent, parentSpanId: runNode.traceParent?.spanId, at: started)
        try persist(node)
        open[key] = span
        if instance.state.isFinished { end(key, state: instance.state, at: instance.endedAt) }
        return node
    }

    /// Tracks a run and, once it has finished, its started tasks, and ends their spans at the recorded times.
    public func finishRun(_ ref: DagRunRef) throws {
        try trackRun(ref)
        let run = try fetchRun(ref)
        if run.state.isFinished { try finish(run) }
    }

    private func finish(_ run: DagRun) throws {
        for instance in run.taskInstances where instance.startedAt != nil {
            try trackTask(run.ref, taskId: instance.taskId)
            end(LineageNode.task(run.ref, taskId: instance.taskId), state: instance.state, at: instance.endedAt)
        }
        end(LineageNode.run(run.ref), state: run.state == .success ? .success : .failed, at: run.endedAt)
    }

    private func end(_ key: String, state: TaskState, at date: Date?) {
        guard let span = open.removeValue(forKey: key) else { return }
        span.attributes["eventide.state"] = state.rawValue
        span.setStatus(SpanStatus(code: state == .failed || state == .upstreamFailed ? .error : .ok))
        span.end(at: LineageInstant(date ?? scheduler.clock.date))
    }

    // MARK: Propagation

    /// What a relay puts on the message it sends for an asset event (queue attributes, CloudEvent attributes):
    /// the event's correlation id, the event as the causation id, and its span as the `traceparent`.
    public func headers(forEvent id: Int64) throws -> LineageHeaders {
        let node = try trackEvent(id)
        return LineageHeaders(correlationId: node.correlationId, causationId: node.id, traceParent: node.traceParent)
    }

    /// What a running task puts on a message it sends: its correlation id, itself as the causation id, its span.
    public func headers(for context: TaskContext) throws -> LineageHeaders {
        let node = try trackTask(context.runRef, taskId: context.taskId)
        return LineageHeaders(correlationId: node.correlationId, causationId: node.id, traceParent: node.traceParent)
    }

    // MARK: Store

    private func persist(_ node: LineageNode) throws {
        try database.pool.write { try LineageStore.insert(node, $0) }
    }

    private func fetchRun(_ ref: DagRunRef) throws -> DagRun {
        guard
            let run = try database.pool.read({ try SchedulerStore.fetchRuns($0, dagId: ref.dagId, runId: ref.runId) })
                .first
        else { throw LineageError.unknownRun(ref) }
        return run
    }
}
