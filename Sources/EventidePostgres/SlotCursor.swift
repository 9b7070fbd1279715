/// Decides how far a slot may be advanced as delivered changes are acknowledged, possibly out of order.
///
/// The slot can only move to a transaction boundary (a `commitLSN`), and only once every change delivered before
/// it is acknowledged: then the server forgets nothing that is not stored. A plain state machine, no I/O.
public struct SlotCursor: Sendable {
    private struct Entry {
        let id: String?
        let commitLSN: LSN
        var acknowledged: Bool
    }

    private var entries: [Entry] = []
    /// The furthest position handed out for advancing.
    public private(set) var confirmed: LSN?
    /// The furthest unit (transaction or message) registered: a later peek skips what is at or before it.
    public private(set) var registeredThrough: LSN?

    public init() {}

    /// Delivered but not yet acknowledged changes.
    public var pending: Int { entries.count(where: { $0.id != nil && !$0.acknowledged }) }

    /// Whether a unit ending at `safePoint` was registered already (delivered, acknowledged or not).
    public func isRegistered(_ safePoint: LSN) -> Bool { registeredThrough.map { safePoint <= $0 } ?? false }

    /// Registers a unit about to be delivered: its changes' ids (none for a transaction whose changes were all
    /// filtered out, which needs no acknowledgement). Returns a new position to advance to, if there is one.
    public mutating func register(safePoint: LSN, changeIds: [String]) -> LSN? {
        if changeIds.isEmpty {
            entries.append(Entry(id: nil, commitLSN: safePoint, acknowledged: true))
        } else {
            entries += changeIds.map { Entry(id: $0, commitLSN: safePoint, acknowledged: false) }
        }
        registeredThrough = max(registeredThrough ?? safePoint, safePoint)
        return settle()
    }

    /// Marks a change stored; returns a new position to advance to, if the acknowledgement completes a prefix
    /// of whole units. Unknown ids (already settled) change nothing.
    public mutating func acknowledge(_ id: String) -> LSN? {
        guard let index = entries.firstIndex(where: { $0.id == id }) else { return nil }
        entries[index].acknowledged = true
        return settle()
    }

    private mutating func settle() -> LSN? {
        let prefix = entries.prefix { $0.acknowledged }
        guard !prefix.isEmpty else { return nil }
        // A unit is settled when all of its entries are acknowledged: stop before a partly acknowledged one.
        let blocked = entries.count > prefix.count ? entries[prefix.count].commitLSN : nil
        let settled = prefix.filter { $0.commitLSN != blocked }
        guard let target = settled.last?.commitLSN else { return nil }
        entries.removeFirst(settled.count)
        guard target > (confirmed ?? LSN(0)) else { return nil }
        confirmed = target
        return target
    }
}
