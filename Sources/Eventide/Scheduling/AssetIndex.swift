/// The stored assets by id, URI and name, read once per registration generation (`SchedulerStoreCache`) instead
/// of reading the whole `asset` table for every REST request that addresses an asset.
///
/// The `asset` table changes only when a registration stores its assets, and every registration invalidates the
/// index; an asset another process stores later is not in it (this scheduler could not record its events
/// anyway: it is not declared here).
struct AssetIndex: Sendable {
    private let byId: [Int64: AssetRecord]
    private let byURI: [String: [AssetRecord]]
    private let byName: [String: [AssetRecord]]

    /// `records` ordered by id.
    init(_ records: [AssetRecord]) {
        byId = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        byURI = Dictionary(grouping: records, by: \.key.uri)
        byName = Dictionary(grouping: records, by: \.key.name)
    }

    func record(id: Int64) -> AssetRecord? { byId[id] }

    /// The assets with this URI, ordered by id.
    func records(uri: String) -> [AssetRecord] { byURI[uri] ?? [] }

    /// The assets with this name, ordered by id.
    func records(name: String) -> [AssetRecord] { byName[name] ?? [] }
}
