import Foundation
import Synchronization

/// What happened during an example, in order, with milliseconds since the example started.
///
/// Examples note an entry right after the thing it describes has happened (a run finished, an event was
/// committed), so the narrative is a record, not a script.
public final class Timeline: Sendable {
    public struct Entry: Sendable, Codable, Hashable {
        public let offsetMilliseconds: Double
        public let text: String
    }

    private let start = ContinuousClock.now
    private let entries = Mutex<[Entry]>([])

    public init() {}

    public func note(_ text: String) {
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        entries.withLock { $0.append(Entry(offsetMilliseconds: (milliseconds * 10).rounded() / 10, text: text)) }
    }

    public var all: [Entry] { entries.withLock { $0 } }
}
