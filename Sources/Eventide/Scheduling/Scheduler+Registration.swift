import GRDB

/// Registration ("parsing the DAG folder") and pausing.
extension Scheduler {
    /// Registers DAGs and the assets they use. Assets in outlets and inlets are declared by that use; a
    /// schedule may only name declared assets (a typo in a URI would otherwise wait forever). Each
    /// asset-scheduled DAG's snapshot (its topological order included) is taken here, once.
    public func register(_ newDags: [DAG], assets: [Asset] = []) async throws {
        var known = declared
        for asset in assets + newDags.flatMap({ $0.outlets + $0.inlets }) where known[asset.key] == nil {
            known[asset.key] = asset
        }
        var ids = Set(dags.keys)
        for dag in newDags {
            guard ids.insert(dag.dagId).inserted else { throw DagError.duplicateDagId(dag.dagId) }
            for key in dag.schedule.condition?.assetKeys.sorted() ?? [] where known[key] == nil {
                throw AssetError.undeclaredAsset(name: key.name, uri: key.uri, dag: dag.dagId)
            }
        }
        let rows = Array(known.values)
        // The first registration of this scheduler is a fresh parse: it replaces the active assets (the rest are
        // orphaned); later ones extend them. Sorted, so which of two assets sharing a name is active is stable.
        let replacing = declared.isEmpty
        let active = (replacing ? [] : self.active).activating(known.keys.filter { declared[$0] == nil }.sorted())
        let activated = Array(active[(replacing ? 0 : self.active.count)...])
        try await database.pool.write { db in
            for asset in rows { try SchedulerStore.upsertAsset(db, asset) }
            try SchedulerStore.activate(db, activated, replacing: replacing)
            for dag in newDags { try SchedulerStore.insertDag(db, dag) }
        }
        declared = known
        self.active = active
        for dag in newDags {
            dags[dag.dagId] = dag
            snapshots[dag.dagId] = DagSnapshot(dag)
        }
        consumersChanged.publish(())  // watchers follow their consumers (Triggerer)
        // Events queued before a restart may already satisfy a condition.
        for dag in newDags where dag.schedule.condition != nil { try await evaluate(dagIds: [dag.dagId]) }
    }

    public func dag(_ dagId: String) throws(DagError) -> DAG {
        guard let dag = dags[dagId] else { throw DagError.unknownDag(dagId) }
        return dag
    }

    public var registeredDags: [DAG] { dags.values.sorted { $0.dagId < $1.dagId } }

    public func asset(_ key: AssetKey) -> Asset? { declared[key] }

    /// Every asset declared to this scheduler (by a DAG's outlets or inlets or an `assets:` list), sorted.
    public var declaredAssets: [Asset] { declared.keys.sorted().compactMap { declared[$0] } }

    /// The active assets (Airflow's `asset_active`), in activation order: those declared by this scheduler's
    /// registrations, minus any whose name or URI an earlier one already holds. Asset references resolve
    /// against these alone; an asset stored by an earlier process and not declared now is orphaned.
    public var activeAssetKeys: [AssetKey] { active }

    /// Assets some DAG's schedule waits on: named directly or through an asset reference that resolves to an
    /// active asset now (aliases are resolved at event time). The watchers of these assets are run.
    public var scheduledAssetKeys: Set<AssetKey> {
        Set(
            dags.values.flatMap { dag -> [AssetKey] in
                guard let condition = dag.schedule.condition else { return [] }
                return Array(condition.assetKeys) + condition.references.compactMap { $0.resolve(in: active) }
            })
    }

    public func setPaused(_ dagId: String, _ paused: Bool) async throws {
        _ = try dag(dagId)
        try await database.pool.write { db in
            try db.run("UPDATE dag SET is_paused = ? WHERE dag_id = ?", arguments: [paused, dagId])
        }
        consumersChanged.publish(())  // the watchers of its assets start or stop (Triggerer)
        if !paused { try await evaluate(dagIds: [dagId]) }
    }

    public func isPaused(_ dagId: String) async throws -> Bool {
        _ = try dag(dagId)
        return try await database.pool.read { db in
            try db.value(Bool.self, "SELECT is_paused FROM dag WHERE dag_id = ?", arguments: [dagId]) ?? false
        }
    }
}
