import Logging

/// Wraps a log handler so that setting metadata only stores it: the metadata reaches the wrapped handler with each
/// message logged, as that message's metadata.
///
/// swift-log's `StreamLogHandler` formats its whole metadata into a string whenever a key is set, whether or not
/// anything is ever logged, and Hummingbird sets a request id on every request's logger. Measured in issue 10's
/// HTTP benchmark (perf): 1.95 % of the server's CPU went through that formatting, for a logger at `warning` that
/// logged nothing; 0.70 % behind this wrapper (what is left is the logger's copy). A request that logs nothing
/// formats nothing.
///
/// What is logged is unchanged: the wrapped handler receives this handler's metadata merged under the message's
/// own (a key the message sets wins). One difference: the wrapped handler's metadata provider no longer overrides
/// a key set on the logger (it comes as the message's metadata now).
///
/// ```swift
/// var logger = Logger(label: "eventide.http")           // whatever LoggingSystem was bootstrapped with
/// logger.handler = LazyMetadataLogHandler(wrapping: logger.handler)
/// ```
public struct LazyMetadataLogHandler: LogHandler {
    public var wrapped: any LogHandler
    public var metadata: Logger.Metadata = [:]

    public init(wrapping handler: any LogHandler) {
        wrapped = handler
        metadata = handler.metadata
        wrapped.metadata = [:]
    }

    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty {
            event.metadata = metadata.merging(event.metadata ?? [:]) { _, message in message }
        }
        wrapped.log(event: event)
    }
}
