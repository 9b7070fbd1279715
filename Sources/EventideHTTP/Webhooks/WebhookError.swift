import Eventide
import Hummingbird

/// Why a webhook delivery was refused, and the HTTP status it is answered with. Nothing is recorded for any of
/// them: the checks all run before the asset event is written.
public enum WebhookError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No source is configured under this name (404).
    case unknownSource(String)
    /// The body is larger than the source's limit (413): `declared` when the request's Content-Length said so
    /// before any byte was read, `nil` when the limit was passed while reading.
    case bodyTooLarge(limit: Int, declared: Int?)
    /// The request has no signature header (401).
    case missingSignature(header: String)
    /// The signature header cannot be read (401).
    case malformedSignature(header: String, reason: String)
    /// No signature in the header matches the body with any of the source's secrets (401).
    case signatureMismatch(header: String)
    /// The signed timestamp is further from the receiver's clock than the tolerance (400): an old delivery
    /// replayed, or a sender's clock far off. Seconds since 1970.
    case timestampOutsideTolerance(timestamp: Int, now: Int, toleranceSeconds: Int)
    /// The body is not JSON (400).
    case malformedJSON(reason: String)
    /// The body is JSON but not an object (400).
    case payloadNotAnObject(found: String)
    /// The delivery does not carry its id where the source says it does (400).
    case missingDeliveryId(WebhookField)
    /// The payload does not match the schema configured for its event type (422).
    case payloadRejected(eventType: String, violations: [String])
    /// The source's asset is not declared in the scheduler: the receiver is misconfigured (500).
    case assetNotDeclared(source: String, asset: AssetKey)

    /// A signature header its parser could not read.
    init(_ malformed: MalformedSignatureHeader) {
        self = .malformedSignature(header: malformed.header, reason: malformed.reason)
    }

    /// A body `WebhookPayload` could not read.
    init(_ unreadable: UnreadablePayload) {
        switch unreadable {
        case .malformedJSON(let reason): self = .malformedJSON(reason: reason)
        case .notAnObject(let found): self = .payloadNotAnObject(found: found)
        }
    }

    public var status: HTTPResponse.Status {
        switch self {
        case .unknownSource: .notFound
        case .bodyTooLarge: .contentTooLarge
        case .missingSignature, .malformedSignature, .signatureMismatch: .unauthorized
        case .timestampOutsideTolerance, .malformedJSON, .payloadNotAnObject, .missingDeliveryId: .badRequest
        case .payloadRejected: .unprocessableContent
        case .assetNotDeclared: .internalServerError
        }
    }

    /// The answer in Airflow's error shape: `{"detail": "<description>"}`, or FastAPI's validation list for a
    /// payload that breaks its schema.
    public var problem: HTTPProblem {
        guard case .payloadRejected(_, let violations) = self else { return HTTPProblem(status, detail: description) }
        return HTTPProblem(
            status,
            detail: .array(
                violations.map { .object(["loc": ["body"], "msg": .string($0), "type": "schema_violation"]) }))
    }

    /// `|a - b|` as text, without trapping on numbers a sender chose.
    private static func distance(_ a: Int, _ b: Int) -> String {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? "more than \(Int.max)" : "\(difference.magnitude)"
    }

    public var description: String {
        switch self {
        case .unknownSource(let name):
            "no webhook source is named '\(name)'; post to /webhooks/<source> with a configured source"
        case .bodyTooLarge(let limit, let declared?):
            "the body is \(declared) bytes (Content-Length), over this source's limit of \(limit) bytes; "
                + "nothing was read"
        case .bodyTooLarge(let limit, nil):
            "the body is over this source's limit of \(limit) bytes; reading stopped there"
        case .missingSignature(let header):
            "the request has no \(header) header; sign the body with the source's secret"
        case .malformedSignature(let header, let reason):
            "the \(header) header cannot be read: \(reason)"
        case .signatureMismatch(let header):
            "the \(header) signature does not match the body with any of this source's secrets; "
                + "check the secret the sender signs with (and that the body was sent unchanged)"
        case .timestampOutsideTolerance(let timestamp, let now, let tolerance):
            "the signed timestamp \(timestamp) is \(Self.distance(timestamp, now)) seconds from the receiver's clock "
                + "(\(now)), outside the tolerance of \(tolerance) seconds; a replayed or delayed delivery is refused"
        case .malformedJSON(let reason):
            "the body is not JSON: \(reason)"
        case .payloadNotAnObject(let found):
            "the payload is a JSON \(found); a webhook payload must be a JSON object"
        case .missingDeliveryId(let field):
            "the delivery has no id in its \(field); every delivery needs one, so retries are recognised"
        case .payloadRejected(let eventType, let violations):
            "the \(eventType) payload does not match its schema: \(violations.joined(separator: "; "))"
        case .assetNotDeclared(let source, let asset):
            "webhook source '\(source)' records on \(asset), which no DAG or asset declaration registered; "
                + "register it with the scheduler"
        }
    }
}
