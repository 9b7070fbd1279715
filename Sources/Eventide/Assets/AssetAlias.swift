/// A name that resolves, at run time, to the assets tasks emit events for through it (Airflow's
/// `AssetAlias`): a DAG scheduled on an alias runs when any asset it resolves to is updated.
public struct AssetAlias: Sendable, Hashable, Codable, CustomStringConvertible {
    public let name: String
    public let group: String

    public init(name: String, group: String = "asset") throws(AssetError) {
        self.name = try Asset.validName(name)
        self.group = group
    }

    public var description: String { "alias:\(name)" }
}
