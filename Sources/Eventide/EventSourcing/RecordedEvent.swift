import Foundation

/// An event as the store keeps it: immutable once its append committed.
public struct RecordedEvent: Sendable, Hashable, Codable {
    /// Position in the whole store: dense, increasing in commit order (SQLite has one writer), so a subscriber
    /// that has read up to `p` never later finds an event below `p` it missed.
    public let position: Int64
    /// The position of the first event of the append that wrote this one: every event of one append (one
    /// command) shares it, so a reader can apply a command's events all together or not at all.
    public let commitPosition: Int64
    public let stream: String
    /// The event's number in its stream, from 1; the stream's version is the version of its last event.
    public let version: Int
    public let id: String
    public let type: String
    public let data: JSONValue
    public let metadata: EventMetadata
    public let recordedAt: Date

    public init(
        position: Int64, commitPosition: Int64, stream: String, version: Int, id: String, type: String,
        data: JSONValue, metadata: EventMetadata, recordedAt: Date
    ) {
        self.position = position
        self.commitPosition = commitPosition
        self.stream = stream
        self.version = version
        self.id = id
        self.type = type
        self.data = data
        self.metadata = metadata
        self.recordedAt = recordedAt
    }

    /// The data decoded as `T` (a struct of the domain's events).
    public func decode<T: Decodable>(_: T.Type = T.self) throws(EventStoreError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: try JSONEncoder().encode(data))
        } catch {
            throw EventStoreError.undecodableData(type: type, position: position, reason: "\(error)")
        }
    }
}
