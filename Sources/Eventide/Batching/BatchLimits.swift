/// When a batch closes: at `maxCount` elements, before it would pass `maxBytes` (an element larger than the limit
/// alone is a batch of one), and when the window timer fires (every `window`) with at least one element waiting.
/// An explicit flush and the end of the source close a batch too (`BatchCloseReason`).
public struct BatchLimits: Sendable, Hashable, Codable {
    public var maxCount: Int
    public var maxBytes: Int?
    public var window: Duration?

    public init(maxCount: Int, maxBytes: Int? = nil, window: Duration? = nil) {
        self.maxCount = max(1, maxCount)
        self.maxBytes = maxBytes.map { max(1, $0) }
        self.window = window.map { $0 > .zero ? $0 : .milliseconds(1) }
    }
}
