/// The identity of an asset: its name and its normalised URI.
public struct AssetKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let name: String
    public let uri: String

    public init(name: String, uri: String) {
        self.name = name
        self.uri = uri
    }

    public static func < (lhs: AssetKey, rhs: AssetKey) -> Bool { (lhs.uri, lhs.name) < (rhs.uri, rhs.name) }
    public var description: String { name == uri ? uri : "\(name) (\(uri))" }
}

/// A piece of data a DAG produces or waits for (Airflow 3's `Asset`).
///
/// Identity is `(name, uri)`; `group`, `extra` and `watchers` do not take part in equality. Either of name
/// and URI alone fills the other: `Asset(uri:)` is named after its normalised URI, `Asset(name:)` uses the
/// name as an opaque URI (no scheme needed, as in Airflow).
public struct Asset: Sendable, Hashable, Codable, CustomStringConvertible {
    public let name: String
    public let uri: String
    public let group: String
    public let extra: [String: JSONValue]
    /// What normalisation changed that the author should know (a dropped password).
    public let warnings: [String]
    /// Watchers that turn external events into events of this asset (not part of identity, not encoded).
    public var watchers: [AssetWatcher] = []

    public init(uri: String, name: String? = nil, group: String = "asset", extra: [String: JSONValue] = [:],
                watchers: [AssetWatcher] = []) throws(AssetError) {
        let normalised = try AssetURI.normalise(uri)
        self.uri = normalised.uri
        self.name = try Self.validName(name ?? normalised.uri)
        self.group = group
        self.extra = extra
        self.warnings = normalised.warnings
        self.watchers = watchers
    }

    /// An asset known by name only; the name is its URI too.
    public init(name: String, group: String = "asset", extra: [String: JSONValue] = [:],
                watchers: [AssetWatcher] = []) throws(AssetError) {
        self.name = try Self.validName(name)
        self.uri = self.name
        self.group = group
        self.extra = extra
        self.warnings = []
        self.watchers = watchers
    }

    static func validName(_ name: String) throws(AssetError) -> String {
        if name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw .emptyName }
        if name.count > AssetError.maximumLength { throw .tooLong(field: "name", length: name.count) }
        return name
    }

    public var key: AssetKey { AssetKey(name: name, uri: uri) }

    /// The same asset with these watchers attached (Airflow's `Asset(..., watchers=[...])`).
    public func watched(by watchers: [AssetWatcher]) -> Asset {
        var copy = self
        copy.watchers = watchers
        return copy
    }

    public static func == (lhs: Asset, rhs: Asset) -> Bool { lhs.key == rhs.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
    public var description: String { key.description }

    enum CodingKeys: String, CodingKey { case name, uri, group, extra, warnings }
}
