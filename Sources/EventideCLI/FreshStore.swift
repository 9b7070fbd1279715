import Eventide

extension Orchestrator {
    /// Throws unless the store holds no asset events and no runs of the registered DAGs. Examples narrate from
    /// an empty store (their first event is #1, their first run is run 1), so a `--db` file that an earlier
    /// run filled would make the story wrong: name a new file instead, and keep the old one to inspect.
    public func requireFreshStore() async throws {
        let events = try await scheduler.allAssetEvents().count
        var runs = 0
        for dag in await scheduler.registeredDags { runs += try await scheduler.runs(of: dag.dagId).count }
        guard events == 0, runs == 0 else {
            throw ExampleError("the database \(database.path) already holds \(events) asset event(s) and \(runs) "
                + "run(s) from an earlier run; examples start from an empty store: pass --db a new file, or omit "
                + "--db for a temporary one")
        }
    }
}
