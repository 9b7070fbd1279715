import Foundation

/// Who recorded an asset event.
public enum AssetEventSource: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A task finished successfully and the asset is one of its outlets.
    case task(dagId: String, runId: String, taskId: String)
    /// An `AssetWatcher` turned a trigger event into an asset event. `messageId` is the source's id for it.
    case watcher(name: String, messageId: String?)
    /// Someone called the API (or an example) directly. `messageId` deduplicates retries of the same call.
    case api(messageId: String?)

    public var kind: String {
        switch self {
        case .task: "task"
        case .watcher: "watcher"
        case .api: "api"
        }
    }

    var messageId: String? {
        switch self {
        case .task: nil
        case .watcher(_, let id), .api(let id): id
        }
    }

    public var description: String {
        switch self {
        case .task(let dag, let run, let task): "task \(dag).\(task) (\(run))"
        case .watcher(let name, let id): "watcher \(name)" + (id.map { " message \($0)" } ?? "")
        case .api(let id): "api" + (id.map { " message \($0)" } ?? "")
        }
    }
}

/// A recorded update of an asset, with the metadata (`extra`) its producer attached.
///
/// An event created from a trigger event (a watcher's) carries `extra["from_trigger"] == true` and the trigger
/// event's payload in `extra["payload"]`, as in Airflow. An event a task emitted through several aliases with
/// the same `extra` is recorded once, with every one of those aliases in `sourceAliases`.
public struct AssetEvent: Sendable, Hashable, Codable, Identifiable {
    public let id: Int64
    public let asset: AssetKey
    public let extra: [String: JSONValue]
    public let source: AssetEventSource
    /// The alias the event was emitted through, if any (the first of `sourceAliases`, by name).
    public let alias: String?
    /// Every alias the event was emitted through, by name (Airflow's `source_aliases`); empty for an event not
    /// emitted through an alias.
    public let sourceAliases: [String]
    public let timestamp: Date

    public init(
        id: Int64, asset: AssetKey, extra: [String: JSONValue], source: AssetEventSource, alias: String?,
        sourceAliases: [String]? = nil, timestamp: Date
    ) {
        self.id = id
        self.asset = asset
        self.extra = extra
        self.source = source
        self.sourceAliases = sourceAliases ?? alias.map { [$0] } ?? []
        self.alias = alias ?? self.sourceAliases.first
        self.timestamp = timestamp
    }

    enum CodingKeys: String, CodingKey { case id, asset, extra, source, alias, sourceAliases, timestamp }

    /// Decodes events encoded before `sourceAliases` existed too (their alias, if any, is the only one).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(Int64.self, forKey: .id),
            asset: try container.decode(AssetKey.self, forKey: .asset),
            extra: try container.decode([String: JSONValue].self, forKey: .extra),
            source: try container.decode(AssetEventSource.self, forKey: .source),
            alias: try container.decodeIfPresent(String.self, forKey: .alias),
            sourceAliases: try container.decodeIfPresent([String].self, forKey: .sourceAliases),
            timestamp: try container.decode(Date.self, forKey: .timestamp))
    }

    /// Whether a trigger event created it (`extra["from_trigger"] == true`, Airflow's mark).
    public var isFromTrigger: Bool { extra[Self.fromTriggerKey] == .bool(true) }

    /// The key Airflow marks trigger-born events with.
    public static let fromTriggerKey = "from_trigger"
    /// The key of the trigger event's payload in a trigger-born event's `extra`.
    public static let payloadKey = "payload"
}
