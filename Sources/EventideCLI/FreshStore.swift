import Eventide

extension Orchestrator {
    /// Throws ``ExampleError/storeNotEmpty(path:events:runs:)`` unless the store holds no asset events and no
    /// runs of the registered DAGs. Examples narrate from an empty store (their first event is #1, their first
    /// run is run 1), so a `--db` file that an earlier run filled would make the story wrong.
    public func requireFreshStore() async throws {
        let events = try await scheduler.allAssetEvents().count
        var runs = 0
        for dag in await scheduler.registeredDags { runs += try await scheduler.runs(of: dag.dagId).count }
        guard events == 0, runs == 0 else {
            throw ExampleError.storeNotEmpty(path: database.path, events: events, runs: runs)
        }
    }
}
