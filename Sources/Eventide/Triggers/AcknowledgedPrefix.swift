/// Where a source may checkpoint when it hands out positions in order and they are acknowledged in any order:
/// the end of the longest acknowledged prefix. Past that point nothing unacknowledged is forgotten, so a restart
/// from the checkpoint re-delivers instead of losing (at-least-once). A plain state machine, no I/O; sources with
/// transaction units use `SlotCursor` (EventidePostgres) instead.
public struct AcknowledgedPrefix<Position: Equatable & Sendable>: Sendable {
    private struct Entry: Sendable {
        let position: Position
        var acknowledged: Bool
    }

    private var entries: [Entry] = []

    public init() {}

    /// Delivered but not yet acknowledged positions.
    public var pending: Int { entries.count(where: { !$0.acknowledged }) }

    /// Records a position handed out (in delivery order).
    public mutating func deliver(_ position: Position) {
        entries.append(Entry(position: position, acknowledged: false))
    }

    /// Marks `position` acknowledged; returns the new checkpoint when the acknowledged prefix grew. Unknown
    /// positions (forgotten, or acknowledged twice) change nothing.
    public mutating func acknowledge(_ position: Position) -> Position? {
        guard let index = entries.firstIndex(where: { $0.position == position && !$0.acknowledged }) else { return nil }
        entries[index].acknowledged = true
        let prefix = entries.prefix { $0.acknowledged }
        guard let reached = prefix.last?.position else { return nil }
        entries.removeFirst(prefix.count)
        return reached
    }

    /// Forgets every outstanding position (the source moved on, e.g. to a rotated file): their acknowledgements
    /// no longer move the checkpoint.
    public mutating func forget() { entries.removeAll() }
}
