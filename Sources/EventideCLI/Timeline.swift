import Eventide
import Foundation
import Synchronization

/// What happened during an example, in order, with milliseconds since the example started.
///
/// A scenario notes an entry at the moment the thing it describes happens (a run finished, an event was
/// committed), or passes the time it happened (`at:`, e.g. an asset event's timestamp) when it learns of it
/// later: the narrative is a record, not a script, and nothing is stamped with the time it was written down.
public final class Timeline: Sendable {
    public struct Entry: Sendable, Codable, Hashable {
        public let offsetMilliseconds: Double
        public let text: String
    }

    private let start: ContinuousClock.Instant
    private let startDate: Date
    private let entries = Mutex<[Entry]>([])
    private let abbreviations = Mutex<[(String, String)]>([])

    /// Starts now. Entries noted now and entries noted `at:` a date are put on one scale through a moment both
    /// clocks were read together (`EventideClock.readTogether`).
    public init() {
        (start, startDate) = EventideClock.readTogether(ContinuousClock())
    }

    /// From now on, notes show `folder` as `name/` (temporary paths differ per run; the story should not).
    public func abbreviate(_ folder: URL, as name: String) {
        abbreviations.withLock {
            $0.append((folder.path + "/", name + "/")); $0.append((folder.path, name + "/"))
        }
    }

    /// Notes `text` as happening now.
    public func note(_ text: String) {
        append(text, milliseconds: (ContinuousClock.now - start).inMilliseconds)
    }

    /// Notes `text` as having happened at `date` (a timestamp the runtime recorded when it happened).
    public func note(_ text: String, at date: Date) {
        append(text, milliseconds: date.timeIntervalSince(startDate) * 1000)
    }

    private func append(_ text: String, milliseconds: Double) {
        let text = abbreviations.withLock { pairs in
            pairs.reduce(text) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
        }
        let entry = Entry(offsetMilliseconds: (max(0, milliseconds) * 10).rounded() / 10, text: text)
        entries.withLock { entries in
            // Keep time order: an entry stamped earlier than the last one goes before it (stable otherwise).
            let index = entries.lastIndex { $0.offsetMilliseconds <= entry.offsetMilliseconds }.map { $0 + 1 } ?? 0
            entries.insert(entry, at: index)
        }
    }

    public var all: [Entry] { entries.withLock { $0 } }
}
