import Foundation

/// An event to append to a stream: its type, its data and its metadata. The store gives it a version in its
/// stream, a global position and a timestamp when the append commits (``RecordedEvent``).
public struct NewEvent: Sendable, Hashable {
    public var id: String
    public var type: String
    public var data: JSONValue
    public var metadata: EventMetadata

    public init(
        id: String = UUID().uuidString, type: String, data: JSONValue = .null, metadata: EventMetadata = .init()
    ) {
        self.id = id
        self.type = type
        self.data = data
        self.metadata = metadata
    }

    /// An event whose data is `payload` encoded as JSON (a struct of the domain's events).
    public init(
        id: String = UUID().uuidString, type: String, encoding payload: some Encodable,
        metadata: EventMetadata = .init()
    ) throws(EventStoreError) {
        do {
            let data = try JSONEncoder().encode(payload)
            self.init(
                id: id, type: type, data: try JSONDecoder().decode(JSONValue.self, from: data), metadata: metadata)
        } catch {
            throw EventStoreError.undecodableData(type: type, position: nil, reason: "\(error)")
        }
    }
}
