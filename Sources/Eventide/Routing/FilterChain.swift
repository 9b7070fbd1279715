/// Stages applied to an event in order: filters that may reject it, and transforms that may change it (enrich,
/// normalise). Order matters twice: a filter placed before an expensive transform saves its calls, and a filter
/// that reads what a transform adds sees it only when placed after that transform.
///
/// A rejected event is not dropped: `ChainResult.rejectedBy` names the stage (and the reason when a transform
/// threw), so the caller routes it somewhere visible (see `EventRouter`).
public struct FilterChain: Sendable, CustomStringConvertible {
    public enum Stage: Sendable, CustomStringConvertible {
        case filter(EventFilter)
        /// Changes the event; throwing rejects it with the error as the reason.
        case transform(String, @Sendable (EventEnvelope) throws -> EventEnvelope)

        public var name: String {
            switch self {
            case .filter(let filter): filter.name
            case .transform(let name, _): name
            }
        }

        public var description: String { name }
    }

    public let stages: [Stage]

    public init(_ stages: [Stage]) {
        self.stages = stages
    }

    public var description: String { stages.map(\.name).joined(separator: " → ") }

    /// Runs the stages in order until one rejects the event.
    public func apply(_ event: EventEnvelope) -> ChainResult {
        var event = event
        var ran: [String] = []
        for stage in stages {
            ran.append(stage.name)
            switch stage {
            case .filter(let filter):
                guard filter.matches(event) else {
                    return ChainResult(event: event, stagesRun: ran, rejectedBy: filter.name, reason: nil)
                }
            case .transform(let name, let transform):
                do { event = try transform(event) } catch {
                    return ChainResult(event: event, stagesRun: ran, rejectedBy: name, reason: "\(error)")
                }
            }
        }
        return ChainResult(event: event, stagesRun: ran, rejectedBy: nil, reason: nil)
    }
}

/// What a `FilterChain` did with one event.
public struct ChainResult: Sendable {
    /// The event as the last stage that ran left it.
    public let event: EventEnvelope
    /// The names of the stages that ran, in order (the rejecting one included).
    public let stagesRun: [String]
    /// The stage that rejected the event; `nil` when it passed every stage.
    public let rejectedBy: String?
    /// Why a transform rejected it (its error); `nil` for a filter.
    public let reason: String?

    public var passed: Bool { rejectedBy == nil }
}
