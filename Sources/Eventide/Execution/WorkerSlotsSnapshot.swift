/// What the worker slots hold now and have done so far: the figures that compare sensor modes.
///
/// ```swift
/// let before = orchestrator.executor.slots.snapshot()
/// …
/// let after = orchestrator.executor.slots.snapshot()
/// print(after.acquisitionsByOwner["poke_sensors"] ?? 0, after.heldTime["poke_sensors"] ?? .zero, after.waits)
/// ```
public struct WorkerSlotsSnapshot: Sendable, Hashable, Codable {
    public let capacity: Int
    /// Slots held now.
    public var inUse = 0
    /// Task instances waiting for a slot now.
    public var waiting = 0
    /// The most slots held at once.
    public var peakInUse = 0
    /// Slots granted: each is a task instance waking up to run (a start, a retry, a rescheduled poke, a resume
    /// after deferral).
    public var acquisitions = 0
    /// Grants that had to wait for a free slot, and how long they waited (on the executor's clock).
    public var waits = 0
    public var totalWait: Duration = .zero
    public var longestWait: Duration = .zero
    /// Grants per owner (the DAG id of the task instance).
    public var acquisitionsByOwner: [String: Int] = [:]
    /// Slot time per owner, of the slots given back (slot-seconds a DAG's tasks held).
    public var heldTime: [String: Duration] = [:]

    public init(capacity: Int) { self.capacity = capacity }
}
