import Eventide
import Foundation

/// The pattern: click events grouped into batches (by count, bytes, a window, an explicit flush, and the last
/// partial batch at shutdown), each batch stored in one transaction of the embedded log and acknowledged as a whole.
enum EventBatching {
    // [START batcher]
    /// A click as the tracker sends it.
    struct Click: Codable, Sendable, Hashable {
        let id: Int
        let page: String
        /// The bytes it takes in a batch: what `maxBytes` counts.
        var size: Int { (try? JSONEncoder().encode(self).count) ?? 0 }
    }

    /// Up to `maxCount` clicks, up to `maxBytes` bytes, and no click waits longer than `window`.
    static func batcher(
        maxCount: Int, maxBytes: Int?, window: Duration?, clock: EventideClock,
        acknowledge: @escaping @Sendable ([Click]) async throws -> Void
    ) -> Batcher<Click> {
        Batcher(
            BatchLimits(maxCount: maxCount, maxBytes: maxBytes, window: window), clock: clock, size: \.size,
            acknowledge: acknowledge)
    }
    // [END batcher]

    // [START consumer]
    /// Stores each batch in one transaction (one commit for all its clicks), then acknowledges it. Returns when
    /// the clicks end, after the last partial batch.
    static func consume(
        _ clicks: some AsyncSequence<Click, Never> & Sendable, batcher: Batcher<Click>, flushes: BatchFlush,
        log: EventLog, onBatch: (Batch<Click>) -> Void = { _ in }
    ) async throws {
        for try await batch in batcher.batches(of: clicks, flushes: flushes) {
            let records = try batch.elements.map { click in
                LogAppend(
                    try EventEnvelope(
                        id: "click-\(click.id)", type: "web.click", source: "tracker",
                        data: ["id": .number(Double(click.id)), "page": .string(click.page)]))
            }
            try await log.append(records, to: "clicks")
            try await batch.acknowledge()
            onBatch(batch)
        }
    }
    // [END consumer]
}
