import Foundation

/// An aggregate's state as of one version of its stream, so that loading it replays only the events after.
/// A snapshot is a cache: deleting every snapshot changes no state, only how many events a load replays.
public struct Snapshot: Sendable, Hashable, Codable {
    public let stream: String
    public let version: Int
    public let state: JSONValue
    public let takenAt: Date

    public init(stream: String, version: Int, state: JSONValue, takenAt: Date) {
        self.stream = stream
        self.version = version
        self.state = state
        self.takenAt = takenAt
    }
}
