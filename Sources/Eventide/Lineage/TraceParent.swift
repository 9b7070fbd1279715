import Foundation
import Tracing

/// A W3C Trace Context `traceparent` header (https://www.w3.org/TR/trace-context/): the trace a span belongs
/// to and the span's own id, `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`.
///
/// The lineage tracker carries it along the chain source message → asset event → run → task → the asset events
/// the task emits → the messages a relay sends → the next DAG, so that every span of one business transaction
/// lands in one trace, whichever DAG or process recorded it.
public struct TraceParent: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The header's name, as a message attribute or an HTTP header.
    public static let headerName = "traceparent"

    /// 32 lowercase hex digits, not all zero.
    public let traceId: String
    /// 16 lowercase hex digits, not all zero: the span the receiver's spans become children of.
    public let spanId: String
    /// The `sampled` flag (bit 0 of the flags).
    public let sampled: Bool

    /// A trace parent from its parts; `nil` when an id is not lowercase hex of the right length or is all zero.
    public init?(traceId: String, spanId: String, sampled: Bool = true) {
        guard Self.isId(traceId, length: 32), Self.isId(spanId, length: 16) else { return nil }
        self.traceId = traceId
        self.spanId = spanId
        self.sampled = sampled
    }

    /// Parses a header. Version `00` must be exactly 55 characters; a later version may append fields after the
    /// flags (they are ignored, as the specification asks); version `ff` is invalid. `nil` for anything else.
    public init?(header: String) {
        let text = header.trimmingCharacters(in: .whitespaces)
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 4, Self.isHex(parts[0], length: 2), parts[0] != "ff",
            Self.isHex(parts[3], length: 2), let flags = UInt8(parts[3], radix: 16)
        else { return nil }
        if parts[0] == "00", parts.count != 4 || text.count != 55 { return nil }
        self.init(traceId: parts[1], spanId: parts[2], sampled: flags & 1 == 1)
    }

    /// The header's value, version `00`.
    public var description: String { "00-\(traceId)-\(spanId)-\(sampled ? "01" : "00")" }

    private static func isHex(_ text: String, length: Int) -> Bool {
        text.utf8.count == length && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    private static func isId(_ text: String, length: Int) -> Bool {
        isHex(text, length: length) && text.utf8.contains { $0 != 48 }
    }
}

extension InstrumentationContext {
    /// The span this context is in (or the remote span a message came from), as a W3C trace parent.
    public var traceParent: TraceParent? {
        get { self[TraceParentKey.self] }
        set { self[TraceParentKey.self] = newValue }
    }

    /// A context whose current span is `traceParent`.
    public init(traceParent: TraceParent?) {
        self = .topLevel
        self.traceParent = traceParent
    }
}

private enum TraceParentKey: InstrumentationContextKey {
    typealias Value = TraceParent
}
