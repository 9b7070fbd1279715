/// The identity of an asset: its name and its normalised URI. Ordered by URI, then name.
public struct AssetKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let name: String
    public let uri: String

    /// A key as stored; it is not validated (build an `Asset` to validate a name and URI).
    public init(name: String, uri: String) {
        self.name = name
        self.uri = uri
    }

    public static func < (lhs: AssetKey, rhs: AssetKey) -> Bool { (lhs.uri, lhs.name) < (rhs.uri, rhs.name) }

    /// The URI when the name is the URI, `name (uri)` otherwise.
    public var description: String { name == uri ? uri : "\(name) (\(uri))" }
}

/// A piece of data a DAG produces or waits for (Airflow 3's `Asset`).
///
/// Identity is `(name, uri)`: `==` and `hash` ignore `group`, `extra`, `warnings` and `watchers`, as in
/// Airflow. Either of name and URI alone fills the other:
/// - `Asset(uri:)` normalises the URI (see `AssetURI`) and is named after the normalised URI, so
///   `Asset(uri: "S3://B/k/") == Asset(uri: "s3://b/k")`;
/// - `Asset(name:)` with a name that is not URI-like (no `scheme://` prefix) uses the name, unchanged, as an
///   opaque URI: `Asset(name: "daily_orders").uri == "daily_orders"`. No scheme is needed then, as in
///   Airflow, where a name-only asset's URI is not a URI. A URI-like name (`Asset(name: "s3://b/k")`) is
///   treated exactly as `Asset(uri:)`, so both spellings are one asset.
///
/// Names are ASCII, not blank, at most 1,500 characters. Groups are ASCII, not only whitespace, at most
/// 1,500 characters; an empty group is the default, `"asset"` (as in Airflow).
///
/// ```swift
/// let orders = try Asset(uri: "s3://lake/orders", extra: ["owner": "sales"])
/// let producer = try DAG("producer", tasks: [TaskDefinition("write", outlets: [orders]) { _ in .none }])
/// let consumer = try DAG("consumer", schedule: .on([orders]), tasks: [TaskDefinition("read") { _ in .none }])
/// ```
public struct Asset: Sendable, Hashable, Codable, CustomStringConvertible {
    public let name: String
    /// The normalised URI, or the name itself for a name-only asset.
    public let uri: String
    public let group: String
    /// Metadata about the asset itself (not about one of its events).
    public let extra: [String: JSONValue]
    /// What normalisation changed that the author should know about (a dropped password).
    public let warnings: [String]
    /// Watchers that turn external events into events of this asset (not part of identity, not encoded).
    public var watchers: [AssetWatcher] = []

    /// An asset at `uri`, named after its normalised URI unless `name` is given.
    public init(
        uri: String, name: String? = nil, group: String = "asset", extra: [String: JSONValue] = [:],
        watchers: [AssetWatcher] = []
    ) throws(AssetError) {
        let normalised = try AssetURI.normalise(uri)
        try self.init(
            checkedName: name ?? normalised.uri, uri: normalised.uri, group: group, extra: extra,
            warnings: normalised.warnings, watchers: watchers)
    }

    /// An asset called `name`; without `uri`, a URI-like name is the URI and any other name is its own
    /// opaque URI.
    public init(
        name: String, uri: String? = nil, group: String = "asset", extra: [String: JSONValue] = [:],
        watchers: [AssetWatcher] = []
    ) throws(AssetError) {
        if let uri {
            try self.init(uri: uri, name: name, group: group, extra: extra, watchers: watchers)
        } else if AssetURI.looksLikeURI(name) {
            try self.init(uri: name, group: group, extra: extra, watchers: watchers)
        } else {
            try self.init(checkedName: name, uri: name, group: group, extra: extra, warnings: [], watchers: watchers)
        }
    }

    private init(
        checkedName name: String, uri: String, group: String, extra: [String: JSONValue],
        warnings: [String], watchers: [AssetWatcher]
    ) throws(AssetError) {
        self.name = try Self.validName(name)
        self.uri = uri
        self.group = try Self.validGroup(group)
        self.extra = extra
        self.warnings = warnings
        self.watchers = watchers
    }

    /// Decodes and validates again, so a stored asset cannot bypass the rules; `warnings` are kept as stored.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .name)
        let uri = try container.decode(String.self, forKey: .uri)
        let group = try container.decodeIfPresent(String.self, forKey: .group) ?? "asset"
        let extra = try container.decodeIfPresent([String: JSONValue].self, forKey: .extra) ?? [:]
        let warnings = try container.decodeIfPresent([String].self, forKey: .warnings)
        let asset: Asset
        do throws(AssetError) {
            asset =
                uri == name
                ? try Asset(name: name, group: group, extra: extra)
                : try Asset(uri: uri, name: name, group: group, extra: extra)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: container.codingPath,
                    debugDescription: error.description, underlyingError: error))
        }
        self.name = asset.name
        self.uri = asset.uri
        self.group = asset.group
        self.extra = asset.extra
        self.warnings = warnings ?? asset.warnings
    }

    enum CodingKeys: String, CodingKey { case name, uri, group, extra, warnings }

    /// Refuses blank, non-ASCII and over-long names (Airflow's identifier rules).
    static func validName(_ name: String) throws(AssetError) -> String {
        if name.allSatisfy(\.isWhitespace) { throw .emptyName }
        if !name.unicodeScalars.allSatisfy(\.isASCII) { throw .nonASCIIName(name) }
        if name.utf8.count > AssetError.maximumLength { throw .tooLong(field: "name", length: name.utf8.count) }
        return name
    }

    /// An empty group is the default `"asset"`; whitespace-only, non-ASCII and over-long groups are refused.
    static func validGroup(_ group: String) throws(AssetError) -> String {
        if group.isEmpty { return "asset" }
        if group.allSatisfy(\.isWhitespace) { throw .invalidGroup(group, reason: "is only whitespace") }
        if !group.unicodeScalars.allSatisfy(\.isASCII) {
            throw .invalidGroup(group, reason: "contains non-ASCII characters")
        }
        if group.utf8.count > AssetError.maximumLength { throw .tooLong(field: "group", length: group.utf8.count) }
        return group
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
}
