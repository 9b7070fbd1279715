import Foundation

/// What one event, or the passing of time, did in a resequencer.
public enum ResequencerOutput: Sendable, Hashable, Codable {
    /// Next in its key's order: process it now.
    case released(SequencedEvent)
    /// Ahead of its key's order: kept until `waitingFor` arrives (or is given up).
    case buffered(SequencedEvent, waitingFor: ClosedRange<Int>)
    /// Already released or already waiting.
    case duplicate(SequencedEvent)
    /// Arrived after the gap it belongs to was given up.
    case late(SequencedEvent)
    /// A gap given up: what was missing and why.
    case gap(SequenceGap)
    /// An event behind a given-up gap, sent to the dead-letter queue (``ResequencingPolicy/GapAction/deadLetter``).
    case deadLettered(SequencedEvent, gap: SequenceGap)
}

/// The resequencing decisions as a plain state machine (no store, no clock): per key, the next sequence number
/// expected, the events waiting ahead of it, and the gaps given up. ``Resequencer`` keeps it in the store.
///
/// ```swift
/// var buffer = ResequencingBuffer(policy: try ResequencingPolicy(capacity: 100, timeout: .seconds(5), onGap: .skip))
/// buffer.accept(SequencedEvent(key: "a", sequence: 2, payload: 2), at: now)  // [.buffered(…, waitingFor: 1...1)]
/// buffer.accept(SequencedEvent(key: "a", sequence: 1, payload: 1), at: now)  // [.released(1), .released(2)]
/// ```
public struct ResequencingBuffer: Sendable, Hashable, Codable {
    public struct Waiting: Sendable, Hashable, Codable {
        public let event: SequencedEvent
        public let arrivedAt: Date
    }

    public struct KeyState: Sendable, Hashable, Codable {
        /// The sequence number the key releases next.
        public internal(set) var next = 1
        /// Events ahead of `next`, by sequence number.
        public internal(set) var waiting: [Int: Waiting] = [:]
        /// Ranges the key stopped waiting for.
        public internal(set) var givenUp: [ClosedRange<Int>] = []

        public init() {}
    }

    public let policy: ResequencingPolicy
    public internal(set) var keys: [String: KeyState] = [:]

    public init(policy: ResequencingPolicy) { self.policy = policy }

    /// Events waiting, over all keys.
    public var waitingCount: Int { keys.values.reduce(0) { $0 + $1.waiting.count } }

    /// The earliest date at which ``expire(at:)`` gives a gap up, `nil` when nothing waits.
    public var nextDeadline: Date? {
        keys.values.flatMap { $0.waiting.values.map(\.arrivedAt) }.min()?.addingTimeInterval(policy.timeout.inSeconds)
    }

    /// Takes one event that arrived at `date`.
    public mutating func accept(_ event: SequencedEvent, at date: Date) throws(ResequencingError) -> [ResequencerOutput]
    {
        guard event.sequence >= 1 else { throw .invalidSequence(key: event.key, sequence: event.sequence) }
        var state = keys[event.key] ?? KeyState()
        defer { keys[event.key] = state }
        if event.sequence < state.next {
            return [state.givenUp.contains { $0.contains(event.sequence) } ? .late(event) : .duplicate(event)]
        }
        if state.waiting[event.sequence] != nil { return [.duplicate(event)] }
        if event.sequence == state.next {
            state.next += 1
            return [.released(event)] + Self.drain(&state)
        }
        state.waiting[event.sequence] = Waiting(event: event, arrivedAt: date)
        let firstWaiting = state.waiting.keys.min() ?? event.sequence
        var outputs: [ResequencerOutput] = [.buffered(event, waitingFor: state.next...(firstWaiting - 1))]
        if state.waiting.count > policy.capacity {
            outputs += giveUpFirstGap(&state, key: event.key, reason: .bufferFull)
        }
        return outputs
    }

    /// Gives up every gap whose oldest waiting event arrived `timeout` or more before `date`, keys in name order.
    public mutating func expire(at date: Date) -> [ResequencerOutput] {
        var outputs: [ResequencerOutput] = []
        for key in keys.keys.sorted() {
            guard var state = keys[key] else { continue }
            while let oldest = state.waiting.values.map(\.arrivedAt).min(),
                date.timeIntervalSince(oldest) >= policy.timeout.inSeconds
            {
                outputs += giveUpFirstGap(&state, key: key, reason: .timeout)
            }
            keys[key] = state
        }
        return outputs
    }

    private func giveUpFirstGap(_ state: inout KeyState, key: String, reason: SequenceGap.Reason)
        -> [ResequencerOutput]
    {
        guard let first = state.waiting.keys.min() else { return [] }
        let gap = SequenceGap(key: key, missing: state.next...(first - 1), reason: reason)
        state.givenUp.append(gap.missing)
        state.next = first
        switch policy.onGap {
        case .skip:
            return [.gap(gap)] + Self.drain(&state)
        case .deadLetter:
            var outputs: [ResequencerOutput] = [.gap(gap)]
            while let waiting = state.waiting.removeValue(forKey: state.next) {
                outputs.append(.deadLettered(waiting.event, gap: gap))
                state.next += 1
            }
            return outputs
        }
    }

    private static func drain(_ state: inout KeyState) -> [ResequencerOutput] {
        var released: [ResequencerOutput] = []
        while let waiting = state.waiting.removeValue(forKey: state.next) {
            released.append(.released(waiting.event))
            state.next += 1
        }
        return released
    }
}
