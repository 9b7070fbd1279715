/// A name that resolves, at run time, to the assets tasks emit events for through it (Airflow 3's
/// `AssetAlias`): a DAG scheduled on an alias runs when any asset it resolves to is updated, and never
/// while it resolves to nothing.
///
/// Identity is the name and the group. The name follows the asset name rules (ASCII, not blank, at most
/// 1,500 characters); an empty group is the default `"asset"`.
public struct AssetAlias: Sendable, Hashable, Codable, CustomStringConvertible {
    public let name: String
    public let group: String

    public init(name: String, group: String = "asset") throws(AssetError) {
        self.name = try Asset.validName(name)
        self.group = try Asset.validGroup(group)
    }

    /// Decodes and validates again, so a stored alias cannot bypass the rules.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .name)
        let group = try container.decodeIfPresent(String.self, forKey: .group) ?? "asset"
        do throws(AssetError) {
            try self.init(name: name, group: group)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: container.codingPath,
                    debugDescription: error.description, underlyingError: error))
        }
    }

    enum CodingKeys: String, CodingKey { case name, group }

    /// `alias:<name>`, as it appears in a condition's description.
    public var description: String { "alias:\(name)" }
}
