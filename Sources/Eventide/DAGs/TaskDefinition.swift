/// What a task returns: extra metadata for its outlet asset events, events emitted through asset aliases,
/// and a value downstream tasks can read (Airflow's XCom return value).
public struct TaskOutput: Sendable {
    public var outletExtra: [AssetKey: [String: JSONValue]]
    public var aliasEvents: [AliasEvent]
    public var value: JSONValue

    public struct AliasEvent: Sendable {
        public var alias: AssetAlias
        public var asset: Asset
        public var extra: [String: JSONValue]
        public init(alias: AssetAlias, asset: Asset, extra: [String: JSONValue] = [:]) {
            self.alias = alias
            self.asset = asset
            self.extra = extra
        }
    }

    public init(
        outletExtra: [AssetKey: [String: JSONValue]] = [:], aliasEvents: [AliasEvent] = [],
        value: JSONValue = .null
    ) {
        self.outletExtra = outletExtra
        self.aliasEvents = aliasEvents
        self.value = value
    }

    public static let none = TaskOutput()
}

/// Thrown by a task to end as `skipped` (Airflow's `AirflowSkipException`): no outlet events are emitted
/// and downstream tasks are skipped too.
public struct TaskSkipped: Error, Sendable, Equatable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// A task of a DAG: its dependencies, retries, the assets it reads and writes, and its body.
///
/// ```swift
/// TaskDefinition("load", upstream: ["extract"], outlets: [orders],
///                retry: RetryPolicy(retries: 2, delay: .seconds(10))) { context in
///     TaskOutput(outletExtra: [orders.key: ["rows": 42]])   // the extra of the outlet's asset event
/// }
/// ```
public struct TaskDefinition: Sendable {
    public typealias Body = @Sendable (TaskContext) async throws -> TaskOutput

    public let taskId: String
    public var upstream: [String]
    public var outlets: [Asset]
    public var aliasOutlets: [AssetAlias]
    public var inlets: [Asset]
    public var retry: RetryPolicy
    public let body: Body

    public init(
        _ taskId: String, upstream: [String] = [], outlets: [Asset] = [], aliasOutlets: [AssetAlias] = [],
        inlets: [Asset] = [], retry: RetryPolicy = .none, body: @escaping Body
    ) {
        self.taskId = taskId
        self.upstream = upstream
        self.outlets = outlets
        self.aliasOutlets = aliasOutlets
        self.inlets = inlets
        self.retry = retry
        self.body = body
    }
}
