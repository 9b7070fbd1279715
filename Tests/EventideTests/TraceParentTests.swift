import Eventide
import Testing
import Tracing

@Suite("W3C trace context: traceparent parsing and the recording tracer's propagation", .timeLimit(.minutes(1)))
struct TraceParentTests {
    let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test("a version-00 header parses into its trace id, span id and sampled flag, and prints back the same")
    func parsesAndPrints() throws {
        let parent = try #require(TraceParent(header: valid))
        #expect(parent.traceId == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(parent.spanId == "00f067aa0ba902b7")
        #expect(parent.sampled)
        #expect(parent.description == valid)
        #expect(TraceParent(header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")?.sampled == false)
    }

    @Test(
        "malformed headers are refused",
        arguments: [
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // uppercase
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // all-zero trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // all-zero span id
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  // short trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // version 00 with more fields
            "", "not a header",
        ])
    func refusesMalformed(header: String) {
        #expect(TraceParent(header: header) == nil)
    }

    @Test("a later version may append fields: the first four are read")
    func laterVersion() throws {
        let parent = try #require(TraceParent(header: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what"))
        #expect(parent.spanId == "00f067aa0ba902b7")
    }

    @Test("inject writes the span as traceparent; a span started in the extracted context is its child, same trace")
    func propagatesThroughACarrier() throws {
        let tracer = RecordingTracer(seed: 7)
        let sender = tracer.startSpan("send", context: .topLevel, ofKind: .producer)
        var attributes: [String: String] = [:]
        tracer.inject(sender.context, into: &attributes, using: DictionaryInjector())
        sender.end()
        let header = try #require(attributes[TraceParent.headerName])
        #expect(TraceParent(header: header) == sender.traceParent)

        var received = InstrumentationContext.topLevel
        tracer.extract(attributes, into: &received, using: DictionaryExtractor())
        let receiver = tracer.startSpan("receive", context: received, ofKind: .consumer)
        receiver.end()
        let spans = tracer.finishedSpans
        try #require(spans.count == 2)
        #expect(spans[1].traceId == spans[0].traceId)
        #expect(spans[1].parentSpanId == spans[0].spanId)
        #expect(spans[0].parentSpanId == nil)
        #expect(spans[1].kind == .consumer)
    }

    @Test("a carrier without a valid traceparent extracts nothing: the next span starts a new trace")
    func noHeaderNewTrace() {
        let tracer = RecordingTracer(seed: 1)
        var context = InstrumentationContext.topLevel
        tracer.extract(["traceparent": "garbage"], into: &context, using: DictionaryExtractor())
        #expect(context.traceParent == nil)
        let span = tracer.startSpan("root", context: context)
        span.end()
        #expect(tracer.finishedSpans.first?.parentSpanId == nil)
    }

    @Test("a seeded tracer draws the same ids again; spans record attributes, links and an error status")
    func seededAndRecorded() throws {
        func ids(seed: UInt64) -> [String] {
            let tracer = RecordingTracer(seed: seed)
            let a = tracer.startSpan("a", context: .topLevel)
            a.end()
            return tracer.finishedSpans.flatMap { [$0.traceId, $0.spanId] }
        }
        #expect(ids(seed: 42) == ids(seed: 42))
        #expect(ids(seed: 42) != ids(seed: 43))

        let tracer = RecordingTracer()
        let other = tracer.startSpan("other", context: .topLevel)
        let span = tracer.startSpan("work", context: .topLevel)
        span.attributes["eventide.asset"] = "orders"
        span.addLink(SpanLink(context: other.context, attributes: [:]))
        span.setStatus(SpanStatus(code: .error))
        span.end()
        span.end()  // a second end records nothing
        other.end()
        let work = try #require(tracer.finishedSpans.first { $0.name == "work" })
        #expect(work.attributes["eventide.asset"] == "orders")
        #expect(work.links == [other.traceParent?.spanId].compactMap { $0 })
        #expect(work.status == .error)
        #expect(tracer.finishedSpans.count == 2)
    }

    @Test("the trace tree puts children under parents; a span whose parent is remote is a root marked so")
    func traceTree() throws {
        let tracer = RecordingTracer(seed: 3)
        let remote = try #require(TraceParent(header: valid))
        let root = tracer.startSpan("record", context: InstrumentationContext(traceParent: remote))
        let child = tracer.startSpan("run", context: root.context)
        let grandchild = tracer.startSpan("task", context: child.context)
        grandchild.end()
        child.end()
        root.end()
        let tree = TraceTree(spans: tracer.finishedSpans)
        try #require(tree.roots.count == 1)
        #expect(tree.roots[0].parentMissing)
        #expect(tree.spans.map(\.name) == ["record", "run", "task"])
        #expect(tree.lines() == ["record (child of a remote span)", "  run", "    task"])
    }
}
