/// Why an asset event did or did not make a DAG run, as far as the store can tell.
public enum PropagationVerdict: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A run consumed the event.
    case triggered(runId: String, state: DagRunState)
    /// The event is queued; the condition is not satisfied yet: it still awaits these leaves.
    case waiting(awaits: [String])
    /// The event is queued, the DAG is paused: no run until it is unpaused (then at once, if the condition holds).
    case paused(conditionMet: Bool, awaits: [String])
    /// The event is queued, the condition holds, and the DAG has `active` of its `limit` runs active: the next run
    /// is created when one of them finishes.
    case atActiveRunLimit(active: Int, limit: Int)
    /// The event is queued, the condition holds, and the schedule is asset-and-time: the run waits for the tick.
    case waitsForTimetable
    /// The event is queued and nothing the store shows holds the run back: it is created at the next evaluation.
    case runPending
    /// The event was never queued for the DAG, or its queue entry was deleted (the DAG was registered after the
    /// event, or again without the asset, or the queue was cleared through the API), and no run consumed it.
    case notQueued

    /// Whether a run consumed the event.
    public var triggered: Bool { if case .triggered = self { true } else { false } }

    /// Decides, from what the store says about one event and one DAG scheduled on its asset. Plain logic: the
    /// order of the checks is the order the scheduler applies them (consumed, queued, paused, condition, run
    /// limit, timetable gate).
    public static func decide(
        consumedBy run: (runId: String, state: DagRunState)?, queued: Bool, paused: Bool, conditionMet: Bool,
        awaits: [String], activeRuns: Int, maxActiveRuns: Int?, timeGated: Bool
    ) -> PropagationVerdict {
        if let run { return .triggered(runId: run.runId, state: run.state) }
        guard queued else { return .notQueued }
        if paused { return .paused(conditionMet: conditionMet, awaits: awaits) }
        guard conditionMet else { return .waiting(awaits: awaits) }
        if let maxActiveRuns, activeRuns >= maxActiveRuns {
            return .atActiveRunLimit(active: activeRuns, limit: maxActiveRuns)
        }
        return timeGated ? .waitsForTimetable : .runPending
    }

    public var description: String {
        switch self {
        case .triggered(let runId, let state): "triggered run \(runId) (\(state.rawValue))"
        case .waiting(let awaits): "queued, condition not met: awaits \(awaits.joined(separator: ", "))"
        case .paused(let met, let awaits):
            "queued, DAG paused"
                + (met ? " (condition met: a run starts on unpause)" : "; awaits \(awaits.joined(separator: ", "))")
        case .atActiveRunLimit(let active, let limit):
            "queued, condition met, at its active-run limit (\(active)/\(limit)): runs when one finishes"
        case .waitsForTimetable: "queued, condition met, waiting for its timetable's tick (asset-and-time)"
        case .runPending: "queued, condition met: a run is created at the next evaluation"
        case .notQueued: "not queued and not consumed (registered after the event, or the queue entry was deleted)"
        }
    }
}

/// How a DAG's schedule names an asset.
public enum ScheduleLink: Sendable, Hashable, Codable, CustomStringConvertible {
    case direct
    case alias(String)
    case reference(String)
    /// Its schedule no longer names the asset, but the event was queued for it or consumed by one of its runs.
    case formerly

    public var description: String {
        switch self {
        case .direct: "directly"
        case .alias(let name): "via alias \(name)"
        case .reference(let reference): "via reference \(reference)"
        case .formerly: "no longer (an earlier registration did)"
        }
    }
}
