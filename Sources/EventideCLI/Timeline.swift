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
    private let abbreviations = Mutex<[(String, String)]>([])

    public init() {}

    /// From now on, notes show `folder` as `name/` (temporary paths differ per run; the story should not).
    public func abbreviate(_ folder: URL, as name: String) {
        abbreviations.withLock { $0.append((folder.path + "/", name + "/")); $0.append((folder.path, name + "/")) }
    }

    public func note(_ text: String) {
        let text = abbreviations.withLock { pairs in
            pairs.reduce(text) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
        }
        let milliseconds = (ContinuousClock.now - start).inMilliseconds
        entries.withLock { $0.append(Entry(offsetMilliseconds: (milliseconds * 10).rounded() / 10, text: text)) }
    }

    public var all: [Entry] { entries.withLock { $0 } }
}
