import Foundation
import Tracing

/// A date as a tracing instant: spans are started and ended at the times the store recorded (an event's
/// timestamp, a run's queued and end times), so a trace rebuilt after the fact has the times it happened at.
public struct LineageInstant: TracerInstant {
    public let nanosecondsSinceEpoch: UInt64

    public init(_ date: Date) {
        nanosecondsSinceEpoch = UInt64(max(0, date.timeIntervalSince1970 * 1_000_000_000).rounded())
    }

    public var date: Date { Date(timeIntervalSince1970: Double(nanosecondsSinceEpoch) / 1_000_000_000) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch }
}

extension LineageInstant {
    init(nanoseconds: UInt64) { nanosecondsSinceEpoch = nanoseconds }
}
