import Foundation

/// An example's outcome: what it measured (`Outcome`, `Codable`, what tests assert on), the timeline of what
/// happened, and the conclusions drawn from the measurements.
public struct ExampleReport<Outcome: Codable & Sendable>: Codable, Sendable {
    public let item: String
    public let title: String
    public let outcome: Outcome
    public let timeline: [Timeline.Entry]
    /// One line per thing the run demonstrated, each computed from `outcome` (e.g. "runs: 1 for 2 events").
    public let proved: [String]

    public init(item: String, title: String, outcome: Outcome, timeline: Timeline, proved: [String]) {
        self.item = item
        self.title = title
        self.outcome = outcome
        self.timeline = timeline.all
        self.proved = proved
    }

    /// The narrative, or JSON with `--json`.
    public func render(json: Bool) -> String {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{}"
        }
        var lines = ["\(item) — \(title)", ""]
        for entry in timeline {
            lines.append(String(format: "%9.1f ms  ", entry.offsetMilliseconds) + entry.text)
        }
        lines.append("")
        lines.append("What this run showed:")
        lines += proved.map { "  - " + $0 }
        return lines.joined(separator: "\n")
    }
}
