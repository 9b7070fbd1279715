/// Replays recorded asset events — selected from an asset's history by time range, offsets or ids — into a new
/// run of a DAG or into a consumer's queue, without duplicating side effects.
///
/// Two guards keep a replay idempotent:
/// 1. With ``ReplayPolicy/pendingOnly`` (the default) the replayer sends only the events the consumer's
///    ``ProcessedEventLedger`` has not marked: replaying a selection a second time finds nothing pending and
///    creates no run.
/// 2. The consuming task processes each event through the same ledger, so an event that does reach it again
///    (``ReplayPolicy/all``, or a queued copy made before the replay) commits no second effect.
///
/// ```swift
/// let replayer = EventReplayer(scheduler: orchestrator.scheduler)
/// let result = try await replayer.replay(
///     orders.key, .timeRange(from: start, until: end), into: .newRun(dagId: "load_orders"), ledger: ledger)
/// // result.replayed: the pending events sent; result.createdRuns: the replay run
/// ```
public struct EventReplayer: Sendable {
    public let scheduler: Scheduler

    public init(scheduler: Scheduler) { self.scheduler = scheduler }

    /// The events of `asset` that `selection` selects, oldest first. Ids of ``ReplaySelection/eventIds(_:)`` that
    /// are not events of the asset are refused (``ReplayError/unknownEvents(asset:ids:)``).
    public func events(of asset: AssetKey, _ selection: ReplaySelection) async throws -> [AssetEvent] {
        let selection = try selection.validated()
        let selected = try await scheduler.assetEvents(for: asset).filter(selection.matches)
        if case .eventIds(let ids) = selection {
            let missing = Set(ids).subtracting(selected.map(\.id)).sorted()
            guard missing.isEmpty else { throw ReplayError.unknownEvents(asset: asset.name, ids: missing) }
        }
        return selected
    }

    /// Processed versus pending, for `ledger`'s consumer, over the selected events.
    public func status(of asset: AssetKey, _ selection: ReplaySelection, ledger: ProcessedEventLedger)
        async throws -> ReplayStatus
    {
        try await ledger.status(of: try await events(of: asset, selection))
    }

    /// Sends the selected events (all, or those `ledger` has not marked processed) to `target`. Nothing pending:
    /// no run and no queue row (``ReplayResult/isNoOp``). Without a ledger every selected event is sent.
    public func replay(
        _ asset: AssetKey, _ selection: ReplaySelection, into target: ReplayTarget,
        ledger: ProcessedEventLedger?, policy: ReplayPolicy = .pendingOnly
    ) async throws -> ReplayResult {
        let selected = try await events(of: asset, selection)
        var sent = selected
        if policy == .pendingOnly, let ledger {
            let pending = Set(try await ledger.status(of: selected).pending)
            sent = selected.filter { pending.contains($0.id) }
        }
        var runs: [DagRunRef] = []
        if !sent.isEmpty {
            switch target {
            case .newRun(let dagId):
                let conf: JSONValue = [
                    "replay": [
                        "asset": .string(asset.name), "selection": .string(selection.description),
                        "event_ids": .array(sent.map { .number(Double($0.id)) }),
                    ]
                ]
                runs = [
                    try await scheduler.createReplayRun(
                        dagId, events: sent, conf: conf, note: "replay of \(sent.count) event(s) of \(asset.name)")
                ]
            case .requeue(let dagId):
                runs = try await scheduler.requeue(sent, of: asset, for: dagId)
            }
        }
        let sentIds = Set(sent.map(\.id))
        return ReplayResult(
            asset: asset, selection: selection, target: target, policy: policy, selected: selected.map(\.id),
            skippedAsProcessed: selected.map(\.id).filter { !sentIds.contains($0) }, replayed: sent.map(\.id),
            createdRuns: runs)
    }
}
