import Eventide
import Foundation
import Hummingbird

/// The answer to an accepted delivery, sent once its asset event is committed: `202 Accepted` for a new event,
/// `200 OK` with the first event for a delivery id seen before (nothing new recorded, no run created).
public struct WebhookReceipt: Sendable, Hashable, Codable {
    /// A run the delivery's event created, as Airflow names it.
    public struct Run: Sendable, Hashable, Codable {
        public let dagId: String
        public let dagRunId: String

        public init(dagId: String, dagRunId: String) {
            self.dagId = dagId
            self.dagRunId = dagRunId
        }

        enum CodingKeys: String, CodingKey {
            case dagId = "dag_id", dagRunId = "dag_run_id"
        }
    }

    public let source: String
    public let deliveryId: String
    /// The delivery id had been recorded before: `eventId` is the first delivery's event.
    public let duplicate: Bool
    public let eventId: Int64
    public let uri: String
    public let name: String
    public let timestamp: Date
    /// The runs this request created (none for a duplicate).
    public let createdDagruns: [Run]
    /// The DAGs the event was queued for by this request.
    public let queuedFor: [String]

    init(source: String, deliveryId: String, recorded: Scheduler.Recorded) {
        self.source = source
        self.deliveryId = deliveryId
        duplicate = recorded.duplicate
        eventId = recorded.event.id
        uri = recorded.event.asset.uri
        name = recorded.event.asset.name
        timestamp = recorded.event.timestamp
        createdDagruns = recorded.createdRuns.map { Run(dagId: $0.dagId, dagRunId: $0.runId) }
        queuedFor = recorded.queuedFor
    }

    enum CodingKeys: String, CodingKey {
        case source, duplicate, uri, name, timestamp
        case deliveryId = "delivery_id", eventId = "event_id", createdDagruns = "created_dagruns"
        case queuedFor = "queued_for"
    }

    public var status: HTTPResponse.Status { duplicate ? .ok : .accepted }

    /// Reads a receipt from a response body (dates in ISO 8601).
    public static func decode(_ body: String) throws -> WebhookReceipt {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(WebhookReceipt.self, from: Data(body.utf8))
    }

    func response() throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(self))))
    }
}
