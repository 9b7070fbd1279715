import GRDB

/// Airflow's active assets (`asset_active`): the assets the current registration declared, the only ones an
/// asset reference resolves against (`referenceResolution`).
///
/// A scheduler's first registration is a fresh parse of the DAG folder: it replaces the active set, so an asset
/// stored by an earlier process and declared by no DAG or `assets:` list now is orphaned: it stays in `asset`
/// (its events are kept) but no reference resolves to it. Within one active set a name and a URI each belong to
/// one asset (the first registered; Airflow refuses to activate the second), so a reference names at most one.
extension SchedulerStore {
    static func registerActiveAssetMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-asset-active") { db in
            try db.execute(
                sql: """
                    CREATE TABLE asset_active (
                        name TEXT NOT NULL UNIQUE, uri TEXT NOT NULL UNIQUE, PRIMARY KEY (name, uri));
                    INSERT OR IGNORE INTO asset_active(name, uri) SELECT name, uri FROM asset ORDER BY rowid;
                    """)
        }
    }

    /// Marks `keys` active; `replacing` first orphans every asset active before (a scheduler's first
    /// registration).
    static func activate(_ db: Database, _ keys: [AssetKey], replacing: Bool) throws {
        if replacing { try db.run("DELETE FROM asset_active") }
        for key in keys {
            try db.run("INSERT INTO asset_active(name, uri) VALUES (?, ?)", arguments: [key.name, key.uri])
        }
    }
}

extension [AssetKey] {
    /// This active set (in activation order) extended with those of `candidates` (taken in order) whose name and
    /// URI no active asset has yet: Airflow keeps a name and a URI to one active asset.
    func activating(_ candidates: some Sequence<AssetKey>) -> [AssetKey] {
        var active = self
        for key in candidates where !active.contains(where: { $0.name == key.name || $0.uri == key.uri }) {
            active.append(key)
        }
        return active
    }
}
