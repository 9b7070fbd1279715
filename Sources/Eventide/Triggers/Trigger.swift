import Foundation

/// Something that fires: a file arrived, a timer elapsed, a message was published.
///
/// A trigger is an async sequence of `TriggerEvent`s. It runs in the triggerer, either for an
/// `AssetWatcher` (every event becomes an asset event) or for a deferred task (the first event resumes it).
public protocol Trigger: Sendable, CustomStringConvertible {
    /// Opens the source and returns a fresh sequence of its events. Throws when the source cannot be opened
    /// (so a watcher is `running` only once its source really is); the sequence ends when the source ends
    /// and throws when it fails later.
    func events() throws -> AsyncThrowingStream<TriggerEvent, any Error>
}
