/// Which topics a subscription receives: dot-separated segments where `*` stands for exactly one segment and
/// `#` for any number of segments (none included), as in AMQP topic exchanges.
///
/// `orders.*` matches `orders.placed` and `orders.cancelled`, not `orders` nor `orders.eu.placed`;
/// `orders.#` matches all three; `#` matches every topic; a pattern without wildcards matches only itself.
public struct TopicPattern: Sendable, Hashable, Codable, CustomStringConvertible {
    public let text: String
    private let segments: [Substring]

    /// Parses `text`; throws `PubSubError.invalidPattern` when a segment is empty or mixes a wildcard with
    /// other characters (`ord*`).
    public init(_ text: String) throws(PubSubError) {
        let segments = text.split(separator: ".", omittingEmptySubsequences: false)
        for segment in segments where segment != "*" && segment != "#" {
            guard TopicBroker.isValidSegment(segment) else {
                throw .invalidPattern(
                    text, reason: "segment '\(segment)' must be '*', '#' or letters, digits, '_' and '-'")
            }
        }
        self.text = text
        self.segments = segments
    }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    public var description: String { text }

    /// Whether a pattern without wildcards: it names one topic.
    public var isLiteral: Bool { !segments.contains { $0 == "*" || $0 == "#" } }

    /// Whether `topic` is one of the topics this pattern names.
    public func matches(_ topic: String) -> Bool {
        Self.matches(segments[...], topic.split(separator: ".", omittingEmptySubsequences: false)[...])
    }

    private static func matches(_ pattern: ArraySlice<Substring>, _ topic: ArraySlice<Substring>) -> Bool {
        guard let head = pattern.first else { return topic.isEmpty }
        switch head {
        case "#":
            // Zero segments, or one more and try again.
            return matches(pattern.dropFirst(), topic) || (!topic.isEmpty && matches(pattern, topic.dropFirst()))
        case "*": return !topic.isEmpty && matches(pattern.dropFirst(), topic.dropFirst())
        default: return topic.first == head && matches(pattern.dropFirst(), topic.dropFirst())
        }
    }
}
