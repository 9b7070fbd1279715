import Foundation
import Synchronization

/// Wall-clock time that a test moves by hand, for components that take a `now` function
/// (`EmbeddedQueue`): visibility timeouts run out when the test says so, not after real seconds.
public final class ManualClock: Sendable {
    private let time: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { time = Mutex(start) }

    public var now: Date { time.withLock { $0 } }
    public var function: @Sendable () -> Date { { [self] in now } }

    public func advance(by duration: Duration) {
        time.withLock { $0 = $0.addingTimeInterval(duration.inSeconds) }
    }
}
