import Foundation
import GRDB

/// Depth gauges, sampled from the store.
///
/// Depths are state, not events: they are read from the store when sampled (a Prometheus scrape calls
/// `sampleStore` first) instead of being kept up to date on every write. So they are right after a restart and
/// when another process writes the store, and the hot paths (recording an event, receiving a message) pay nothing
/// for them: counting a paused DAG's queue of 100,000 events on every new event would.
extension RuntimeMetrics {
    /// What one sample read, also reported to the gauges.
    public struct StoreDepths: Sendable, Hashable {
        /// Events queued per DAG of the store, zero included.
        public var assetEventQueues: [String: Int] = [:]
        /// Messages per embedded queue, zero included.
        public var embeddedQueues: [String: QueueDepth] = [:]
        /// Dead letters waiting per source that ever had one, zero included.
        public var deadLettersWaiting: [String: Int] = [:]
    }

    /// An embedded queue's messages: visible now, and received but not yet deleted.
    public struct QueueDepth: Sendable, Hashable {
        public var visible: Int
        public var inFlight: Int

        public init(visible: Int, inFlight: Int) {
            self.visible = visible
            self.inFlight = inFlight
        }
    }

    /// Reads the depths from the store in one read transaction and sets the gauges
    /// (`eventide_asset_event_queue_depth`, `eventide_embedded_queue_depth`, `eventide_dead_letters_waiting`).
    /// `clock` tells which in-flight messages have become visible again (the embedded queues' clock).
    @discardableResult
    public func sampleStore(_ database: EventideDatabase, clock: EventideClock = .system) async throws -> StoreDepths {
        let now = clock.date.timeIntervalSince1970
        let depths = try await database.pool.read { db in
            var depths = StoreDepths()
            for row in try db.rows(
                """
                SELECT d.dag_id, COUNT(q.asset_event_id) AS queued FROM dag d
                LEFT JOIN asset_event_queue q ON q.dag_id = d.dag_id GROUP BY d.dag_id
                """)
            {
                depths.assetEventQueues[row["dag_id"]] = row["queued"]
            }
            for row in try db.rows(
                """
                SELECT q.name, COUNT(m.seq) AS total, COALESCE(SUM(m.visible_at <= ?), 0) AS visible FROM queue q
                LEFT JOIN queue_message m ON m.queue = q.name GROUP BY q.name
                """, arguments: [now])
            {
                let total: Int = row["total"], visible: Int = row["visible"]
                depths.embeddedQueues[row["name"]] = QueueDepth(visible: visible, inFlight: total - visible)
            }
            for row in try db.rows(
                "SELECT source, SUM(redriven_at IS NULL) AS waiting FROM dead_letter GROUP BY source")
            {
                depths.deadLettersWaiting[row["source"]] = row["waiting"]
            }
            return depths
        }
        for (dagId, queued) in depths.assetEventQueues {
            gauge(MetricName.assetEventQueueDepth, [(MetricName.Label.dagId, dagId)], queued)
        }
        for (queue, depth) in depths.embeddedQueues {
            gauge(
                MetricName.embeddedQueueDepth, [(MetricName.Label.queue, queue), (MetricName.Label.state, "visible")],
                depth.visible)
            gauge(
                MetricName.embeddedQueueDepth,
                [(MetricName.Label.queue, queue), (MetricName.Label.state, "in_flight")],
                depth.inFlight)
        }
        for (source, waiting) in depths.deadLettersWaiting {
            gauge(MetricName.deadLettersWaiting, [(MetricName.Label.source, source)], waiting)
        }
        return depths
    }
}
