/// Priority and deduplication between several watchers of one asset (see ``WatcherPriority``).
extension Triggerer {
    /// Arbitrates the watchers of `asset` by `priority` from now on (replacing an earlier priority). Set it before
    /// the watchers deliver: deliveries already handled are not revisited.
    public func prioritize(_ asset: AssetKey, _ priority: WatcherPriority) {
        arbiters[asset] = WatcherArbiter(asset: asset, priority: priority, scheduler: scheduler, clock: clock)
    }

    /// Per watcher name, what the arbitration of `asset` did with its deliveries; `nil` when it is not prioritized.
    public func arbitration(of asset: AssetKey) async -> [String: WatcherArbitrationCounts]? {
        await arbiters[asset]?.counts
    }

    /// The verdict of the asset's arbiter on a delivery, or `nil` when the asset is not prioritized or the
    /// delivery has no business key (then it is recorded as usual).
    func arbitrate(_ event: TriggerEvent, from watcher: String, on asset: AssetKey, extra: [String: JSONValue])
        async throws -> WatcherArbiter.Verdict?
    {
        guard let arbiter = arbiters[asset], let key = arbiter.priority.businessKey(extra) else { return nil }
        return try await arbiter.offer(
            key: key, watcher: watcher, extra: extra, messageId: event.messageId, payload: event.payload)
    }
}
