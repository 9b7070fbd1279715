import Foundation
import Synchronization
import Tracing

/// An in-process tracer (swift-distributed-tracing's `Tracer`) that keeps every finished span, for items and
/// tests to print and check the trace tree; no exporter, nothing leaves the process.
///
/// Context propagates as W3C Trace Context: `inject` writes the current span as a `traceparent` header into a
/// carrier (a message's attributes), `extract` reads one back, and a span started in an extracted context is a
/// child of the remote span. Ids are random, or drawn from a seeded generator so that a test can repeat them.
///
/// ```swift
/// let tracer = RecordingTracer()
/// let span = tracer.startSpan("send orders-in", context: .topLevel, ofKind: .producer)
/// var attributes: [String: String] = [:]
/// tracer.inject(span.context, into: &attributes, using: DictionaryInjector())   // attributes["traceparent"]
/// span.end()
/// ```
public final class RecordingTracer: Tracer, Sendable {
    public typealias Span = RecordingSpan

    private struct State {
        var finished: [RecordedSpan] = []
        var generator: SeededGenerator?
    }
    private let state: Mutex<State>

    /// `seed`: draw ids from a deterministic generator (tests); `nil`: the system's random generator.
    public init(seed: UInt64? = nil) {
        state = Mutex(State(generator: seed.map { SeededGenerator(seed: $0) }))
    }

    /// Every span that has ended, in the order they ended.
    public var finishedSpans: [RecordedSpan] { state.withLock { $0.finished } }

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> InstrumentationContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> RecordingSpan {
        let parentContext = context()
        let parent = parentContext.traceParent
        let (traceId, spanId) = state.withLock { state in
            (parent?.traceId ?? Self.hex(&state.generator, bytes: 16), Self.hex(&state.generator, bytes: 8))
        }
        var spanContext = parentContext
        spanContext.traceParent = TraceParent(traceId: traceId, spanId: spanId)
        return RecordingSpan(
            name: operationName, context: spanContext, parentSpanId: parent?.spanId, kind: kind,
            start: LineageInstant(nanoseconds: instant().nanosecondsSinceEpoch)
        ) { [weak self] span in self?.state.withLock { $0.finished.append(span) } }
    }

    public func forceFlush() {}

    public func extract<Carrier, Extract: Extractor>(
        _ carrier: Carrier, into context: inout InstrumentationContext, using extractor: Extract
    ) where Extract.Carrier == Carrier {
        guard let header = extractor.extract(key: TraceParent.headerName, from: carrier),
            let parent = TraceParent(header: header)
        else { return }
        context.traceParent = parent
    }

    public func inject<Carrier, Inject: Injector>(
        _ context: InstrumentationContext, into carrier: inout Carrier, using injector: Inject
    ) where Inject.Carrier == Carrier {
        guard let parent = context.traceParent else { return }
        injector.inject(parent.description, forKey: TraceParent.headerName, into: &carrier)
    }

    /// `bytes` random bytes as lowercase hex, never all zero.
    private static func hex(_ generator: inout SeededGenerator?, bytes: Int) -> String {
        while true {
            var text = ""
            for _ in 0..<(bytes / 8) {
                var word = UInt64.random(in: .min ... .max)
                if var seeded = generator {
                    word = seeded.next()
                    generator = seeded
                }
                text += String(word, radix: 16).leftPadded(to: 16)
            }
            if text.utf8.contains(where: { $0 != 48 }) { return text }
        }
    }
}

/// Reads a `[String: String]` carrier (message attributes, headers).
public struct DictionaryExtractor: Extractor {
    public init() {}
    public func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}

/// Writes into a `[String: String]` carrier.
public struct DictionaryInjector: Injector {
    public init() {}
    public func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
