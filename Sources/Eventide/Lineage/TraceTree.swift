/// Recorded spans arranged as trees (a child under its parent, children by start time), for printing and for
/// checking parent links. A span whose parent is not among the spans (a remote sender's span named by a
/// message's `traceparent`, or a span still open) is a root and says so.
public struct TraceTree: Sendable, Codable, Equatable {
    public struct Node: Sendable, Codable, Equatable {
        public let span: RecordedSpan
        /// The span's parent is not in the tree (a remote or still-open span).
        public let parentMissing: Bool
        public let children: [Node]
    }

    public let roots: [Node]

    public init(spans: [RecordedSpan]) {
        let ids = Set(spans.map(\.spanId))
        var children: [String: [RecordedSpan]] = [:]
        for span in spans {
            if let parent = span.parentSpanId, ids.contains(parent) { children[parent, default: []].append(span) }
        }
        func ordered(_ spans: [RecordedSpan]) -> [RecordedSpan] {
            spans.sorted { ($0.start, $0.name, $0.spanId) < ($1.start, $1.name, $1.spanId) }
        }
        func node(_ span: RecordedSpan) -> Node {
            Node(
                span: span, parentMissing: span.parentSpanId != nil,
                children: ordered(children[span.spanId] ?? []).map { child in
                    let built = node(child)
                    return Node(span: built.span, parentMissing: false, children: built.children)
                })
        }
        roots = ordered(spans.filter { $0.parentSpanId.map { !ids.contains($0) } ?? true }).map(node)
    }

    /// Every span, depth first.
    public var spans: [RecordedSpan] {
        func walk(_ node: Node) -> [RecordedSpan] { [node.span] + node.children.flatMap(walk) }
        return roots.flatMap(walk)
    }

    /// The tree as indented lines, `name` and what `describe` adds; ids never appear, so a printed tree is the
    /// same from run to run.
    public func lines(describe: (RecordedSpan) -> String = { _ in "" }) -> [String] {
        func walk(_ node: Node, depth: Int) -> [String] {
            let remote = depth == 0 && node.parentMissing ? " (child of a remote span)" : ""
            let line = String(repeating: "  ", count: depth) + node.span.name + remote + describe(node.span)
            return [line] + node.children.flatMap { walk($0, depth: depth + 1) }
        }
        return roots.flatMap { walk($0, depth: 0) }
    }
}
