import Foundation
import Synchronization
import Tracing

/// A span of the `RecordingTracer`: mutable until it ends, then handed to the tracer as a `RecordedSpan`.
public final class RecordingSpan: Span {
    public let context: InstrumentationContext
    public let kind: SpanKind
    public let startInstant: LineageInstant
    let parentSpanId: String?
    private let onEnd: @Sendable (RecordedSpan) -> Void

    private struct State {
        var name: String
        var attributes: SpanAttributes = [:]
        var links: [SpanLink] = []
        var status: SpanStatus?
        var ended = false
    }
    private let state: Mutex<State>

    init(
        name: String, context: InstrumentationContext, parentSpanId: String?, kind: SpanKind, start: LineageInstant,
        onEnd: @escaping @Sendable (RecordedSpan) -> Void
    ) {
        self.context = context
        self.kind = kind
        self.startInstant = start
        self.parentSpanId = parentSpanId
        self.onEnd = onEnd
        state = Mutex(State(name: name))
    }

    /// This span as a W3C trace parent.
    public var traceParent: TraceParent? { context.traceParent }

    public var operationName: String {
        get { state.withLock { $0.name } }
        set { state.withLock { if !$0.ended { $0.name = newValue } } }
    }

    public var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { state.withLock { if !$0.ended { $0.attributes = newValue } } }
    }

    public var isRecording: Bool { state.withLock { !$0.ended } }

    public func setStatus(_ status: SpanStatus) { state.withLock { if !$0.ended { $0.status = status } } }

    public func addEvent(_ event: SpanEvent) {}

    public func recordError<Instant: TracerInstant>(
        _ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant
    ) {
        setStatus(SpanStatus(code: .error, message: "\(error)"))
    }

    public func addLink(_ link: SpanLink) { state.withLock { if !$0.ended { $0.links.append(link) } } }

    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        let end = instant().nanosecondsSinceEpoch
        guard
            let finished = state.withLock({ state -> State? in
                guard !state.ended else { return nil }
                state.ended = true
                return state
            })
        else { return }
        guard let parent = context.traceParent else { return }
        var attributes: [String: String] = [:]
        // swift-format-ignore: ReplaceForEachWithForLoop
        finished.attributes.forEach { name, value in attributes[name] = Self.text(value) }  // not a Sequence
        let status: RecordedSpan.Status =
            switch finished.status?.code {
            case .some(.ok): .ok
            case .some(.error): .error
            case .none: .unset
            }
        onEnd(
            RecordedSpan(
                name: finished.name, kind: Self.kind(kind), traceId: parent.traceId, spanId: parent.spanId,
                parentSpanId: parentSpanId, links: finished.links.compactMap { $0.context.traceParent?.spanId },
                attributes: attributes, status: status, start: startInstant.date,
                end: Date(timeIntervalSince1970: Double(max(end, startInstant.nanosecondsSinceEpoch)) / 1e9)))
    }

    private static func kind(_ kind: SpanKind) -> RecordedSpan.Kind {
        switch kind {
        case .server: .server
        case .client: .client
        case .producer: .producer
        case .consumer: .consumer
        default: .internal
        }
    }

    private static func text(_ value: SpanAttribute) -> String {
        switch value {
        case .string(let text): text
        case .int64(let number): String(number)
        case .int32(let number): String(number)
        case .double(let number): String(number)
        case .bool(let flag): String(flag)
        default: "\(value)"
        }
    }
}
