import Foundation

/// What a running task can see and do: its run's conf and triggering asset events, upstream values, the
/// events of its inlets, and deferral to a trigger.
public struct TaskContext: Sendable {
    public let dagId: String
    public let runId: String
    public let taskId: String
    public let tryNumber: Int
    public let conf: JSONValue
    /// The asset events that created this run, oldest first (Airflow's `triggering_asset_events`).
    public let triggeringAssetEvents: [AssetEvent]
    /// Values returned by upstream tasks of this run, by task id (Airflow's XCom return values).
    public let upstreamValues: [String: JSONValue]
    /// The runtime's clock: a task that waits or stamps time uses it, so tests drive it with a test clock.
    public let clock: EventideClock
    let scheduler: Scheduler
    let triggerer: Triggerer
    let deferred: @Sendable (Bool) async -> Void
    /// The run's logical date (Airflow's `logical_date`): `nil` for asset-triggered runs and for manual runs
    /// triggered without one.
    public var logicalDate: Date? = nil
    /// The executor's hook for a rescheduled sensor's wait (frees the worker slot, `up_for_reschedule`).
    var rescheduling: (@Sendable (Duration) async throws -> Void)? = nil

    public var runRef: DagRunRef { DagRunRef(dagId: dagId, runId: runId) }

    /// The triggering events of one asset.
    public func triggeringEvents(of asset: Asset) -> [AssetEvent] {
        triggeringAssetEvents.filter { $0.asset == asset.key }
    }

    /// Every event ever recorded for an inlet asset, oldest first (Airflow's `inlet_events[asset]`).
    public func inletEvents(_ asset: Asset) async throws -> [AssetEvent] {
        try await scheduler.assetEvents(for: asset.key)
    }

    /// Defers this task to a trigger (Airflow's `self.defer(trigger=…, timeout=…)`): the task instance is
    /// `deferred` while the triggerer runs the trigger, and resumes with its first event. The suspended task
    /// holds no thread. Throws `TriggerError.timedOut` after `timeout`.
    public func deferUntil(_ trigger: any Trigger, timeout: Duration? = nil) async throws -> TriggerEvent {
        await deferred(true)
        do {
            let event = try await triggerer.awaitFirstEvent(of: trigger, timeout: timeout)
            await deferred(false)
            return event
        } catch {
            await deferred(false)
            throw error
        }
    }
}
