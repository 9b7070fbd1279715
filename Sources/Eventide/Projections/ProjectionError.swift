/// What went wrong with a projection or its read model.
public enum ProjectionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Projection and view names are non-empty and at most 200 characters.
    case invalidName(String)
    /// A document does not decode as the type asked for, or cannot be encoded.
    case undecodableDocument(view: String, key: String, reason: String)
    /// Batches hold at least one event.
    case invalidBatchSize(Int)

    public var description: String {
        switch self {
        case .invalidName(let name):
            "projection name \(name.debugDescription) is not valid: use 1 to 200 characters"
        case .undecodableDocument(let view, let key, let reason):
            "document \(key) of view \(view) does not match its type: \(reason); rebuild the view if its schema changed"
        case .invalidBatchSize(let size):
            "a projection batch holds at least one event, got \(size)"
        }
    }
}
