/// What a message carries for lineage: the correlation id of the business transaction, the causation id (the
/// lineage node that caused the message, e.g. `event:12`) and the W3C `traceparent` of the span that sent it.
///
/// On an embedded or SQS queue they travel as message attributes (`correlation_id`, `causation_id`,
/// `traceparent`); on a log topic as the CloudEvent's `correlationid` and `causationid` attributes (and a
/// `traceparent` attribute, the CloudEvents distributed-tracing extension); on anything else as top-level keys
/// of the payload. `init(payload:)` reads all three shapes from a trigger event's payload.
public struct LineageHeaders: Sendable, Hashable, Codable {
    public static let correlationKey = "correlation_id"
    public static let causationKey = "causation_id"

    public var correlationId: String?
    public var causationId: String?
    public var traceParent: TraceParent?

    public init(correlationId: String? = nil, causationId: String? = nil, traceParent: TraceParent? = nil) {
        self.correlationId = correlationId
        self.causationId = causationId
        self.traceParent = traceParent
    }

    /// Reads the headers from a trigger event's payload: a queue message's `attributes`, a log record's CloudEvent
    /// (`event`), or the payload's own keys, in that order; absent or malformed values are `nil`.
    public init(payload: JSONValue?) {
        let payload = payload?.objectValue ?? [:]
        let attributes = payload["attributes"]?.objectValue ?? [:]
        let cloudEvent = payload["event"]?.objectValue ?? [:]
        func first(_ keys: [(source: [String: JSONValue], key: String)]) -> String? {
            keys.lazy.compactMap { $0.source[$0.key]?.stringValue }.first { !$0.isEmpty }
        }
        correlationId = first([
            (attributes, Self.correlationKey), (cloudEvent, "correlationid"), (payload, Self.correlationKey),
        ])
        causationId = first([
            (attributes, Self.causationKey), (cloudEvent, "causationid"), (payload, Self.causationKey),
        ])
        traceParent = first([
            (attributes, TraceParent.headerName), (cloudEvent, TraceParent.headerName),
            (payload, TraceParent.headerName),
        ]).flatMap { TraceParent(header: $0) }
    }

    /// The headers as message attributes (a queue message's, an SQS message's, HTTP headers).
    public var attributes: [String: String] {
        var attributes: [String: String] = [:]
        attributes[Self.correlationKey] = correlationId
        attributes[Self.causationKey] = causationId
        attributes[TraceParent.headerName] = traceParent?.description
        return attributes
    }
}
