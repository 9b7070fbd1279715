/// What one replay did.
public struct ReplayResult: Sendable, Hashable, Codable {
    public let asset: AssetKey
    public let selection: ReplaySelection
    public let target: ReplayTarget
    public let policy: ReplayPolicy
    /// Every selected event id, ascending.
    public let selected: [Int64]
    /// Selected events left out because the consumer had processed them (``ReplayPolicy/pendingOnly``).
    public let skippedAsProcessed: [Int64]
    /// The events sent to the target.
    public let replayed: [Int64]
    /// The run created (``ReplayTarget/newRun(dagId:)``), or the runs the re-queued events made at once.
    public let createdRuns: [DagRunRef]

    /// Nothing was sent: every selected event was processed, or none was selected.
    public var isNoOp: Bool { replayed.isEmpty }
}
