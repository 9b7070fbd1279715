/// Explanations as the lines `eventide-explain` and the items print.
public enum ExplanationText {
    public static func lines(_ explanation: EventExplanation) -> [String] {
        let event = explanation.event
        var lines = ["asset event #\(event.id) of \(event.asset.name) (\(event.asset.uri)) from \(event.source)"]
        if let node = explanation.lineage {
            lines.append(
                "  correlation \(node.correlationId), caused by \(node.causationId ?? "nothing recorded")"
                    + (node.traceParent.map { ", traceparent \($0)" } ?? ""))
        }
        if explanation.consumers.isEmpty { lines.append("  no DAG schedules on \(event.asset.name)") }
        lines += explanation.consumers.map { "  " + line($0) }
        return lines
    }

    /// One consumer: how it schedules on the asset, its condition, and the verdict.
    public static func line(_ consumer: EventExplanation.Consumer) -> String {
        "\(consumer.dagId) (schedules on it \(consumer.link); condition \(consumer.condition)): \(consumer.verdict)"
    }

    public static func lines(_ explanation: DagExplanation) -> [String] {
        var lines = [
            "DAG \(explanation.dagId): condition \(explanation.condition ?? "none"), timetable \(explanation.timetable ?? "none")"
                + (explanation.paused ? ", paused" : "")
        ]
        lines.append(
            "  active runs \(explanation.activeRuns)"
                + (explanation.maxActiveRuns.map { " of at most \($0)" } ?? " (limit not recorded by a tracker)"))
        let queued = explanation.queued.map { "#\($0.id) \($0.asset)" }.joined(separator: ", ")
        lines.append("  queued: " + (queued.isEmpty ? "nothing" : queued))
        lines.append(
            "  condition " + (explanation.conditionMet ? "met" : "awaits \(explanation.awaits.joined(separator: ", "))")
        )
        if let verdict = explanation.verdict { lines.append("  queued events: \(verdict)") }
        for run in explanation.recentRuns {
            let consumed = run.consumed.map { "#\($0)" }.joined(separator: ", ")
            lines.append(
                "  run \(run.runId) (\(run.runType.rawValue), \(run.state.rawValue)) consumed "
                    + (consumed.isEmpty ? "nothing" : consumed))
        }
        return lines
    }
}
