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
public struct AssetEvent: Sendable, Hashable, Codable, Identifiable {
    public let id: Int64
    public let asset: AssetKey
    public let extra: [String: JSONValue]
    public let source: AssetEventSource
    /// The alias the event was emitted through, if any.
    public let alias: String?
    public let timestamp: Date

    public init(
        id: Int64, asset: AssetKey, extra: [String: JSONValue], source: AssetEventSource, alias: String?,
        timestamp: Date
    ) {
        self.id = id
        self.asset = asset
        self.extra = extra
        self.source = source
        self.alias = alias
        self.timestamp = timestamp
    }
}
