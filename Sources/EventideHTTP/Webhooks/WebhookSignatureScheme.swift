import Foundation
import HTTPTypes
import Hummingbird

/// How a sender signs its deliveries; both are HMAC-SHA256 with a shared secret.
public enum WebhookSignatureScheme: String, Sendable, Hashable, Codable, CaseIterable {
    /// GitHub: `X-Hub-Signature-256: sha256=<hex HMAC of the body>`. No timestamp: replays are caught by the
    /// delivery id (`X-GitHub-Delivery`).
    case github
    /// Stripe: `Stripe-Signature: t=<unix>,v1=<hex HMAC of "<t>.<body>">[,v1=…]`; the timestamp must be within
    /// the source's tolerance of the receiver's clock.
    case stripe

    /// The header that carries the signature.
    public var header: String {
        switch self {
        case .github: GitHubSignature.header
        case .stripe: StripeSignature.header
        }
    }

    /// Checks the delivery's signature and returns the secret that made it.
    func verify(
        body: some DataProtocol, headers: HTTPFields, secrets: [WebhookSecret], now: Date, tolerance: Duration
    ) throws(WebhookError) -> WebhookSecret {
        guard let value = HTTPField.Name(header).flatMap({ headers[$0] }) else {
            throw .missingSignature(header: header)
        }
        switch self {
        case .github: return try GitHubSignature.verify(value, body: body, secrets: secrets)
        case .stripe:
            let signature: StripeSignature
            do { signature = try StripeSignature(parsing: value) } catch { throw WebhookError(error) }
            return try signature.verify(body: body, secrets: secrets, now: now, tolerance: tolerance)
        }
    }

    /// The signature header a sender sets for `body` at `date` (what GitHub or Stripe compute), for clients and
    /// tests. GitHub signs with the first secret; Stripe with each of them (one `v1` per secret).
    public func signatureHeader(body: some DataProtocol, secrets: [WebhookSecret], at date: Date) -> (String, String) {
        switch self {
        case .github:
            (header, secrets.first.map { GitHubSignature.value(body: body, secret: $0) } ?? "")
        case .stripe:
            (
                header,
                StripeSignature.value(
                    timestamp: Int(date.timeIntervalSince1970.rounded(.down)), body: body, secrets: secrets)
            )
        }
    }
}
