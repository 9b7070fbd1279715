/// Asset lookups for the REST API's hot path (`POST /api/v2/assets/events` addresses an asset by id, URI or
/// name), served from an index read once per registration generation (`AssetIndex`), on the caller's executor.
extension Scheduler {
    /// The stored asset with this id (`assetRecord(id:)` from the index).
    nonisolated(nonsending) public func indexedAssetRecord(id: Int64) async throws -> AssetRecord? {
        try await assetIndex().record(id: id)
    }

    /// The stored assets with this URI, ordered by id.
    nonisolated(nonsending) public func indexedAssetRecords(uri: String) async throws -> [AssetRecord] {
        try await assetIndex().records(uri: uri)
    }

    /// The stored assets with this name, ordered by id.
    nonisolated(nonsending) public func indexedAssetRecords(name: String) async throws -> [AssetRecord] {
        try await assetIndex().records(name: name)
    }

    private nonisolated(nonsending) func assetIndex() async throws -> AssetIndex {
        if let index = storeCache.assetIndex { return index }
        let generation = storeCache.generation
        let index = AssetIndex(try await assetRecords())
        storeCache.store(index, for: generation)
        return index
    }
}
