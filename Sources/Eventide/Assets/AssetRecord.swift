/// An asset as the store knows it, with the integer id Airflow's REST API addresses it by (`asset_id`).
///
/// The id is the row's id in the `asset` table: assigned when the asset is first registered and kept when it is
/// registered again (registration updates the row in place).
public struct AssetRecord: Sendable, Hashable, Codable {
    public let id: Int64
    public let key: AssetKey
    public let group: String
    public let extra: [String: JSONValue]

    public init(id: Int64, key: AssetKey, group: String, extra: [String: JSONValue]) {
        self.id = id
        self.key = key
        self.group = group
        self.extra = extra
    }
}

/// An asset event waiting in one DAG's queue (Airflow's `AssetDagRunQueue` row).
public struct QueuedAssetEvent: Sendable, Hashable, Codable {
    public let dagId: String
    public let event: AssetEvent

    public init(dagId: String, event: AssetEvent) {
        self.dagId = dagId
        self.event = event
    }
}
