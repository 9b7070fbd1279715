import Foundation

/// Reading the run's triggering events by alias and by reference, and an inlet's past events with filters.
extension TaskContext {
    /// The triggering events emitted through an alias (those whose `sourceAliases` include it), as Airflow's
    /// `triggering_asset_events[AssetAlias(...)]`.
    public func triggeringEvents(of alias: AssetAlias) -> [AssetEvent] {
        triggeringAssetEvents.filter { $0.sourceAliases.contains(alias.name) }
    }

    /// The triggering events of the asset a reference names (`triggering_asset_events[Asset.ref(name=...)]`).
    public func triggeringEvents(of reference: AssetReference) -> [AssetEvent] {
        triggeringAssetEvents.filter { reference.matches($0.asset) }
    }

    /// An inlet asset's past events, as Airflow's `inlet_events[asset]` with `after`, `before` (both exclusive),
    /// `limit` and `ascending` (the default: oldest first).
    public func inletEvents(
        _ asset: Asset, after: Date? = nil, before: Date? = nil, limit: Int? = nil, ascending: Bool = true
    ) async throws -> [AssetEvent] {
        try await scheduler.assetEvents(
            for: asset.key, after: after, before: before, limit: limit, ascending: ascending)
    }
}
