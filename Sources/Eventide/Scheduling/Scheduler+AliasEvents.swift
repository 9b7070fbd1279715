/// Recording what a task emitted through asset aliases.
extension Scheduler {
    /// Records a task's alias emissions as Airflow does: emissions of the same asset with the same `extra`
    /// through several aliases become ONE asset event whose `sourceAliases` are all those aliases (every DAG
    /// waiting on any of them still gets it queued); different assets, or the same asset with a different
    /// `extra`, are separate events. Events are recorded in the order of their first emission.
    @discardableResult
    public func recordAliasEvents(
        _ emissions: [TaskOutput.AliasEvent], source: AssetEventSource
    ) async throws -> [Recorded] {
        var recorded: [Recorded] = []
        for group in Self.collapse(emissions) {
            recorded.append(
                try await recordAssetEvent(group.asset, extra: group.extra, source: source, aliases: group.aliases))
        }
        return recorded
    }

    /// One asset event to record: an asset, its extra, and every alias it was emitted through.
    struct CollapsedEmission: Sendable, Equatable {
        let asset: AssetKey
        let extra: [String: JSONValue]
        var aliases: [AssetAlias]
    }

    /// Groups emissions by asset and extra, in the order of each group's first emission; aliases in the order
    /// they were emitted through, each once.
    static func collapse(_ emissions: [TaskOutput.AliasEvent]) -> [CollapsedEmission] {
        var groups: [CollapsedEmission] = []
        for emission in emissions {
            let key = emission.asset.key
            if let index = groups.firstIndex(where: { $0.asset == key && $0.extra == emission.extra }) {
                if !groups[index].aliases.contains(emission.alias) { groups[index].aliases.append(emission.alias) }
            } else {
                groups.append(CollapsedEmission(asset: key, extra: emission.extra, aliases: [emission.alias]))
            }
        }
        return groups
    }
}
