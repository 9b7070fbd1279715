import GRDB

extension SchedulerStore {
    /// What each asset reference in `conditions` names among the active assets (`asset_active`: registered by the
    /// current registration, not orphaned; see `SchedulerStore+ActiveAssets.swift`), as Airflow resolves
    /// references. A reference that names no active asset is missing: it is false.
    static func referenceResolution(
        _ db: Database, for conditions: some Sequence<AssetCondition>
    ) throws -> [AssetReference: AssetKey] {
        let references = conditions.reduce(into: Set<AssetReference>()) { $0.formUnion($1.references) }
        guard !references.isEmpty else { return [:] }
        let registered = try db.rows("SELECT name, uri FROM asset_active ORDER BY rowid").map {
            AssetKey(name: $0["name"], uri: $0["uri"])
        }
        var resolved: [AssetReference: AssetKey] = [:]
        for reference in references { resolved[reference] = reference.resolve(in: registered) }
        return resolved
    }
}

extension AssetCondition {
    /// Whether an event of `asset` concerns this condition: it names the asset, an alias that resolves to it, or
    /// a reference that names it.
    func waits(
        on asset: AssetKey, aliases: [String: Set<AssetKey>], references: [AssetReference: AssetKey]
    ) -> Bool {
        assetKeys.contains(asset) || aliasNames.contains { aliases[$0]?.contains(asset) ?? false }
            || self.references.contains { references[$0] == asset }
    }
}
