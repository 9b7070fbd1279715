/// What a writer believes a stream's version is when it appends (optimistic concurrency).
///
/// A writer loads a stream at version `n`, decides, and appends with `.exactly(n)`: if another writer appended
/// in between, the append is refused with ``EventStoreError/wrongExpectedVersion(stream:expected:actual:)`` and
/// nothing is written, so the writer reloads and decides again.
public enum ExpectedVersion: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Append whatever the stream's version is (no concurrency check).
    case any
    /// The stream must not exist yet (version 0): the first event of a new aggregate.
    case noStream
    /// The stream's version must be exactly this (the version of its last event; events count from 1).
    case exactly(Int)

    /// Whether a stream at `actual` satisfies the expectation.
    public func accepts(_ actual: Int) -> Bool {
        switch self {
        case .any: true
        case .noStream: actual == 0
        case .exactly(let version): actual == version
        }
    }

    public var description: String {
        switch self {
        case .any: "any version"
        case .noStream: "no stream"
        case .exactly(let version): "version \(version)"
        }
    }
}
