import GRDB

extension SchedulerStore {
    /// The scheduler's tables added after v5 (registered by `EventideDatabase`'s migrator).
    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-asset-event-source-aliases") { db in
            // Every alias an event was emitted through (Airflow's `asset_alias_asset_event`), as a JSON array of
            // names: a task that emits one asset with one extra through several aliases records one event.
            try db.execute(sql: "ALTER TABLE asset_event ADD COLUMN source_aliases TEXT")
        }
        registerActiveAssetMigrations(in: &migrator)  // asset_active: what references resolve against
    }
}
