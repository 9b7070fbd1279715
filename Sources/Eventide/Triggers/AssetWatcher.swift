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
    /// Watchers with the same key have identical triggers (same kind and arguments): the triggerer runs ONE of
    /// them and hands each of its events to every such watcher that runs (each applies its own filter and
    /// extract and records on its own asset), and acknowledges the event once all of them are done. This is
    /// Airflow's trigger sharing (one trigger row per hash of classpath and kwargs, linked to many assets).
    /// `init(name:source:registry:)` sets it from the trigger's kind and URI; `nil`: never shared.
    public var sharingKey: String?

    public init(
        name: String, trigger: any Trigger, filter: (@Sendable (TriggerEvent) -> Bool)? = nil,
        extract: @escaping @Sendable (TriggerEvent) throws -> [String: JSONValue] = { ["payload": $0.payload] },
        restart: RetryPolicy = .watcherRestart,
        connectionId: String? = nil, sharingKey: String? = nil
    ) {
        self.name = name
        self.trigger = trigger
        self.filter = filter
        self.extract = extract
        self.restart = restart
        self.connectionId = connectionId
        self.sharingKey = sharingKey
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
        let parsed = try TriggerURI(uri)
        let trigger = try registry.trigger(for: parsed)
        self.init(
            name: name, trigger: trigger, filter: filter, extract: extract, restart: restart,
            connectionId: connectionId, sharingKey: Self.sharingKey(of: trigger, uri: parsed))
    }

    /// The trigger's kind and every argument its URI gives (scheme, credentials, host, port, path, query).
    static func sharingKey(of trigger: any Trigger, uri: TriggerURI) -> String {
        let query = uri.query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
        let parts: [String] = [
            String(describing: type(of: trigger)), uri.scheme, uri.user ?? "", uri.password ?? "", uri.host ?? "",
            uri.port.map(String.init) ?? "", uri.pathSegments.joined(separator: "/"), query,
        ]
        return parts.joined(separator: "|")
    }
}
