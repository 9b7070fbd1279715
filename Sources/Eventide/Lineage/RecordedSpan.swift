import Foundation

/// A finished span as the `RecordingTracer` keeps it: its place in the trace (trace, span and parent ids, links),
/// what it was about (attributes) and when it started and ended.
public struct RecordedSpan: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable { case server, client, producer, consumer, `internal` }
    public enum Status: String, Sendable, Codable { case unset, ok, error }

    public let name: String
    public let kind: Kind
    public let traceId: String
    public let spanId: String
    /// The span this one is a child of: in this process or, for the first span of a received message, the
    /// sender's span its `traceparent` named. `nil` for a root span.
    public let parentSpanId: String?
    /// Spans this one is linked to without being their child (a run consuming several events links the others).
    public let links: [String]
    /// Attribute values as text, by name.
    public let attributes: [String: String]
    public let status: Status
    public let start: Date
    public let end: Date

    /// The span as a W3C trace parent: what a message it sent would carry.
    public var traceParent: TraceParent? { TraceParent(traceId: traceId, spanId: spanId) }
}
