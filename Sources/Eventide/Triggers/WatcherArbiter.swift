import Foundation

/// Arbitrates the deliveries of several watchers of one asset by ``WatcherPriority`` (see there for the rule).
/// Made by ``Triggerer/prioritize(_:_:)``; the triggerer hands it every delivery that has a business key.
actor WatcherArbiter {
    /// What became of one delivery.
    enum Verdict: Sendable {
        /// It won: recorded as the asset event (`recorded.duplicate` when the source's message id was seen).
        case recorded(Scheduler.Recorded)
        /// A copy from a higher-priority (or an earlier, same-rank) delivery won the window.
        case outranked(by: String)
        /// The business event had been recorded already (after its window closed, or before).
        case duplicate
    }

    /// One delivery taking part in a window.
    struct Offer: Sendable {
        let watcher: String
        let rank: Int
        let sequence: Int
        let extra: [String: JSONValue]
        let messageId: String?
        let payload: JSONValue
    }

    private struct Contest {
        var offers: [(offer: Offer, late: Bool, reply: CheckedContinuation<Verdict, any Error>)] = []
        var closed = false
    }

    let asset: AssetKey
    let priority: WatcherPriority
    private let scheduler: Scheduler
    private let clock: EventideClock
    private let seen: Deduplicator
    private var contests: [String: Contest] = [:]
    private var sequence = 0
    private(set) var counts: [String: WatcherArbitrationCounts] = [:]

    init(asset: AssetKey, priority: WatcherPriority, scheduler: Scheduler, clock: EventideClock) {
        self.asset = asset
        self.priority = priority
        self.scheduler = scheduler
        self.clock = clock
        seen = Deduplicator(
            database: scheduler.database, scope: "watcher-priority:\(asset.name)|\(asset.uri)",
            window: priority.remember, clock: clock)
    }

    /// Takes part in (or opens) the window of `key`, and returns when it is decided and the winner committed.
    func offer(
        key: String, watcher: String, extra: [String: JSONValue], messageId: String?, payload: JSONValue
    ) async throws -> Verdict {
        counts[watcher, default: .init()].offered += 1
        if contests[key] == nil, try await seen.contains(key), contests[key] == nil {
            counts[watcher, default: .init()].duplicates += 1
            return .duplicate
        }
        sequence += 1
        let offer = Offer(
            watcher: watcher, rank: priority.rank(of: watcher), sequence: sequence, extra: extra,
            messageId: messageId, payload: payload)
        return try await withCheckedThrowingContinuation { reply in
            if contests[key] == nil {
                contests[key] = Contest()
                // Decided by a task of its own: a watcher stopping during the window does not cancel the decision.
                Task { [window = priority.window, clock] in
                    try? await clock.sleep(for: window)
                    await self.close(key)
                }
            }
            let late = contests[key]?.closed ?? false
            contests[key]?.offers.append((offer, late, reply))
        }
    }

    /// Records the best on-time offer, remembers the key, and answers every offer of the window.
    private func close(_ key: String) async {
        guard let contest = contests[key] else { return }
        contests[key]?.closed = true
        let onTime = contest.offers.filter { !$0.late }.map(\.offer)
        guard let winner = onTime.min(by: { ($0.rank, $0.sequence) < ($1.rank, $1.sequence) }) else {
            for entry in contests.removeValue(forKey: key)?.offers ?? [] { entry.reply.resume(returning: .duplicate) }
            return  // unreachable: the offer that opened the window is on time
        }
        var extra = winner.extra
        extra["arbitration"] = [
            "business_key": .string(key), "winner": .string(winner.watcher),
            "offered_by": .array(onTime.map { .string($0.watcher) }),
        ]
        let result: Result<Scheduler.Recorded, any Error>
        do {
            let recorded = try await scheduler.recordAssetEvent(
                asset, extra: extra, source: .watcher(name: winner.watcher, messageId: winner.messageId),
                triggerPayload: winner.payload)
            _ = try await seen.check(key)
            result = .success(recorded)
        } catch {
            result = .failure(error)
        }
        let offers = contests.removeValue(forKey: key)?.offers ?? []
        for (offer, late, reply) in offers {
            switch result {
            case .failure(let error): reply.resume(throwing: error)
            case .success(let recorded):
                if offer.sequence == winner.sequence {
                    counts[offer.watcher, default: .init()].won += 1
                    reply.resume(returning: .recorded(recorded))
                } else if late {
                    counts[offer.watcher, default: .init()].duplicates += 1
                    reply.resume(returning: .duplicate)
                } else {
                    counts[offer.watcher, default: .init()].outranked += 1
                    reply.resume(returning: .outranked(by: winner.watcher))
                }
            }
        }
    }
}
