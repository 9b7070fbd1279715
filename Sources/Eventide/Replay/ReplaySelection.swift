import Foundation

/// Which recorded asset events of one asset a replay takes from the history (the `asset_event` table, the
/// runtime's durable record of every update, oldest first).
///
/// - ``timeRange(from:until:)``: events stamped at or after `from` and before `until`.
/// - ``offsets(from:through:)``: events whose id (the history's offset: ids only grow) is in `from…through`;
///   `through: nil` means "to the newest".
/// - ``eventIds(_:)``: exactly these events (an id that is not an event of the asset is refused by the replayer).
///
/// ```swift
/// let lastHour = ReplaySelection.timeRange(from: now.addingTimeInterval(-3_600), until: now)
/// let since42 = ReplaySelection.offsets(from: 42, through: nil)
/// ```
public enum ReplaySelection: Sendable, Hashable, Codable, CustomStringConvertible {
    case timeRange(from: Date, until: Date)
    case offsets(from: Int64, through: Int64?)
    case eventIds([Int64])

    /// Refuses a selection that can select nothing by construction (an empty or reversed range, no ids).
    public func validated() throws(ReplayError) -> ReplaySelection {
        switch self {
        case .timeRange(let from, let until) where from >= until:
            throw .invalidSelection("the time range must start before it ends (from \(from), until \(until))")
        case .offsets(let from, let through?) where through < from:
            throw .invalidSelection("offsets \(from)…\(through): the first offset is past the last")
        case .eventIds(let ids) where ids.isEmpty:
            throw .invalidSelection("no event ids given")
        default: return self
        }
    }

    /// Whether `event` is selected.
    public func matches(_ event: AssetEvent) -> Bool {
        switch self {
        case .timeRange(let from, let until): event.timestamp >= from && event.timestamp < until
        case .offsets(let from, let through): event.id >= from && event.id <= (through ?? .max)
        case .eventIds(let ids): ids.contains(event.id)
        }
    }

    public var description: String {
        switch self {
        case .timeRange(let from, let until): "time range [\(EventTime.format(from)), \(EventTime.format(until)))"
        case .offsets(let from, let through): "offsets \(from)…" + (through.map(String.init) ?? "newest")
        case .eventIds(let ids): "event ids " + ids.map(String.init).joined(separator: ", ")
        }
    }
}
