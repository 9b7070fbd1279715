/// Watches an external source through a trigger and turns each of its events into an asset event
/// (Airflow 3's `AssetWatcher(name, trigger)`), with the options Airflow leaves to the trigger:
/// a filter, what metadata to extract into `extra`, and how to restart a failed trigger.
///
/// ```swift
/// let landing = try Asset(uri: "file:///data/landing").watched(by: [
///     AssetWatcher(name: "landing_watcher", trigger: FileArrivalTrigger(directory: folder, suffixes: [".csv"]),
///                  filter: { ($0.payload["size"]?.intValue ?? 0) > 0 }),
/// ])
/// try await orchestrator.register(dags: [consumer], assets: [landing])   // starts the watcher
/// ```
public struct AssetWatcher: Sendable {
    public let name: String
    public let trigger: any Trigger
    /// Events for which this returns false are acknowledged and counted as filtered, not recorded.
    public var filter: (@Sendable (TriggerEvent) -> Bool)?
    /// The asset event's `extra`. Default: `["payload": event.payload]`. When it throws (the payload is not
    /// what the asset expects), the message is dead-lettered with the error as its reason, not recorded.
    public var extract: @Sendable (TriggerEvent) throws -> [String: JSONValue]
    /// How often to restart the trigger after it throws, and how long to wait before each restart (by default
    /// `RetryPolicy.watcherRestart`: about five minutes of exponential back-off with jitter).
    public var restart: RetryPolicy
    /// The connection the trigger uses (Airflow's `conn_id`), shown in status and errors.
    public var connectionId: String?

    public init(
        name: String, trigger: any Trigger, filter: (@Sendable (TriggerEvent) -> Bool)? = nil,
        extract: @escaping @Sendable (TriggerEvent) throws -> [String: JSONValue] = { ["payload": $0.payload] },
        restart: RetryPolicy = .watcherRestart,
        connectionId: String? = nil
    ) {
        self.name = name
        self.trigger = trigger
        self.filter = filter
        self.extract = extract
        self.restart = restart
        self.connectionId = connectionId
    }
}

extension AssetWatcher {
    /// A watcher whose trigger the registry chooses by the URI's scheme, like Airflow's
    /// `AssetWatcher(name, trigger=MessageQueueTrigger(queue=uri))`: `eventide://queue/orders` offline,
    /// `sqs://127.0.0.1:5000/orders` against a server. Throws `TriggerError` for a URI it cannot use.
    public init(
        name: String, source uri: String, registry: TriggerRegistry,
        filter: (@Sendable (TriggerEvent) -> Bool)? = nil,
        extract: @escaping @Sendable (TriggerEvent) throws -> [String: JSONValue] = { ["payload": $0.payload] },
        restart: RetryPolicy = .watcherRestart,
        connectionId: String? = nil
    ) throws {
        self.init(
            name: name, trigger: try registry.trigger(for: uri), filter: filter, extract: extract,
            restart: restart, connectionId: connectionId)
    }
}
