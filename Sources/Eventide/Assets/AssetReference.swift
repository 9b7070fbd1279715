/// A reference to an asset by its name or its URI alone (Airflow 3's `Asset.ref(name=…)` / `Asset.ref(uri=…)`),
/// resolved against the registered assets each time a condition that names it is evaluated.
///
/// A DAG can schedule on an asset another project defines without declaring it: the reference holds nothing
/// until an asset with that name (or URI) is registered, and then behaves as that asset. An unresolved
/// reference is false; it is not an error at registration, so the producer may be registered later.
///
/// As in Airflow, a reference resolves only against the **active** assets (`Scheduler.activeAssetKeys`): those
/// declared by the current registrations (a DAG's outlets or inlets, or an `assets:` list), not orphaned ones an
/// earlier process stored and no registration declares now. A name or a URI belongs to one active asset, the
/// first registered (Airflow does not activate a second asset with a name or URI already active), so a reference
/// names at most one asset. The watchers of an asset consumed only through a reference run like any other.
///
/// ```swift
/// let report = try DAG("report", schedule: .on(Asset.ref(name: "daily_orders")), tasks: [...])
/// ```
public enum AssetReference: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The asset with this name.
    case name(String)
    /// The asset with this URI, normalised as `Asset(uri:)` normalises it.
    case uri(String)

    /// Whether `key` is the asset this reference names.
    public func matches(_ key: AssetKey) -> Bool {
        switch self {
        case .name(let name): key.name == name
        case .uri(let uri): key.uri == uri
        }
    }

    /// The first of `keys` (in their order) this reference names, or `nil` while none is registered.
    public func resolve(in keys: some Sequence<AssetKey>) -> AssetKey? { keys.first(where: matches) }

    /// `ref:name:<name>` or `ref:uri:<uri>`, as it appears in a condition's description.
    public var description: String {
        switch self {
        case .name(let name): "ref:name:\(name)"
        case .uri(let uri): "ref:uri:\(uri)"
        }
    }
}

extension Asset {
    /// A reference to the asset named `name`, resolved when a condition naming it is evaluated.
    public static func ref(name: String) throws(AssetError) -> AssetReference {
        .name(try validName(name))
    }

    /// A reference to the asset at `uri` (normalised as `Asset(uri:)` does), resolved when a condition naming it
    /// is evaluated.
    public static func ref(uri: String) throws(AssetError) -> AssetReference {
        .uri(try AssetURI.normalise(uri).uri)
    }
}

extension AssetReference: AssetConditionConvertible {
    public var assetCondition: AssetCondition { .reference(self) }
}
