/// What went wrong with a call to the event store.
public enum EventStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Optimistic concurrency: the stream is at `actual`, not what the writer expected. Nothing was written.
    case wrongExpectedVersion(stream: String, expected: ExpectedVersion, actual: Int)
    /// An append with no events.
    case nothingToAppend(stream: String)
    /// Stream names are non-empty and at most 200 characters.
    case invalidStreamName(String)
    /// A point-in-time read asked for a version the stream has not reached.
    case versionOutOfRange(stream: String, requested: Int, current: Int)
    /// An event's data (or a snapshot's state) does not decode as the type asked for.
    case undecodableData(type: String, position: Int64?, reason: String)
    /// A stored row cannot be read back (its JSON is damaged).
    case corruptRow(table: String, key: String, reason: String)

    public var description: String {
        switch self {
        case .wrongExpectedVersion(let stream, let expected, let actual):
            "stream \(stream) is at version \(actual), not \(expected): another writer appended first; reload the "
                + "stream, decide again on the new state and append with expected version \(actual)"
        case .nothingToAppend(let stream):
            "an append to stream \(stream) had no events; pass at least one"
        case .invalidStreamName(let name):
            "stream name \(name.debugDescription) is not valid: use 1 to 200 characters, e.g. account-42"
        case .versionOutOfRange(let stream, let requested, let current):
            "stream \(stream) has \(current) event(s); version \(requested) does not exist yet"
        case .undecodableData(let type, let position, let reason):
            "the data of a \(type) event\(position.map { " at position \($0)" } ?? "") does not decode: \(reason); "
                + "check the event's schema against the type it is decoded as"
        case .corruptRow(let table, let key, let reason):
            "row \(key) of \(table) cannot be read: \(reason)"
        }
    }
}
