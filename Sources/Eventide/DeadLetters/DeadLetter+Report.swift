import Foundation

/// How a letter reads to an operator (`eventide-dlq list` and `show`, and the items that show them).
extension DeadLetter {
    /// One line: id, source, message id, category, state, attempts and the reason.
    public var summary: String {
        let attempts = attempts.map { $0 == 1 ? "1 attempt" : "\($0) attempts" } ?? "attempts unknown"
        return "#\(id) \(source) \(messageId ?? "-") [\(category?.rawValue ?? "uncategorised")] \(state.rawValue), "
            + "\(attempts): \(reason)"
    }

    /// Every field, one `name: value` line each, times in UTC (what `eventide-dlq show` prints).
    public var report: [String] {
        let time = { (date: Date?) in date.map(EventTime.format) ?? "-" }
        var lines = [
            "id: \(id)", "source: \(source)", "message id: \(messageId ?? "-")", "state: \(state.rawValue)",
            "category: \(category?.rawValue ?? "-")", "error type: \(errorType ?? "-")", "reason: \(reason)",
            "attempts: \(attempts.map(String.init) ?? "-")", "first failed at: \(time(firstFailedAt))",
            "last failed at: \(time(lastFailedAt))", "dead-lettered at: \(time(deadLetteredAt))",
            "payload: \(payload.jsonText)",
        ]
        if let originalPayload {
            lines += ["original event: \(originalPayload.jsonText)", "edited at: \(time(editedAt))"]
        }
        if redrivenAt != nil { lines.append("redriven at: \(time(redrivenAt))") }
        if discardedAt != nil {
            lines += ["discarded at: \(time(discardedAt))", "discarded because: \(discardReason ?? "-")"]
        }
        return lines
    }
}
