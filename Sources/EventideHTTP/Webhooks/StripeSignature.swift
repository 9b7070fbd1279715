import Foundation

/// Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, each `v1` the
/// HMAC-SHA256 of `"<t>.<body>"` with one of the endpoint's secrets (several while a secret is rolled).
struct StripeSignature: Sendable, Equatable {
    static let header = "Stripe-Signature"

    let timestamp: Int
    let signatures: [[UInt8]]

    /// Reads the header; other schemes (`v0`, …) are ignored, as Stripe's libraries do.
    init(parsing value: String) throws(WebhookError) {
        var timestamp: Int?
        var signatures: [[UInt8]] = []
        for part in value.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            switch pair[0] {
            case "t":
                guard let seconds = Int(pair[1]) else {
                    throw .malformedSignature(header: Self.header, reason: "t=\(pair[1]) is not a Unix time")
                }
                timestamp = seconds
            case "v1":
                guard let code = Hex.decode(pair[1]), code.count == 32 else {
                    throw .malformedSignature(header: Self.header, reason: "a v1 is not 64 hexadecimal digits")
                }
                signatures.append(code)
            default: continue
            }
        }
        guard let timestamp else { throw .malformedSignature(header: Self.header, reason: "no t=<timestamp>") }
        guard !signatures.isEmpty else { throw .malformedSignature(header: Self.header, reason: "no v1 signature") }
        self.timestamp = timestamp
        self.signatures = signatures
    }

    static func signedPayload(timestamp: Int, body: some DataProtocol) -> [UInt8] {
        Array("\(timestamp).".utf8) + Array(body)
    }

    static func value(timestamp: Int, body: some DataProtocol, secrets: [WebhookSecret]) -> String {
        let payload = signedPayload(timestamp: timestamp, body: body)
        return (["t=\(timestamp)"] + secrets.map { "v1=" + Hex.encode($0.authenticationCode(for: payload)) })
            .joined(separator: ",")
    }

    /// The secret that signed one of the `v1`s (compared in constant time), then the timestamp against `now`:
    /// a signature is checked first, so an unsigned request learns nothing about the clock.
    func verify(
        body: some DataProtocol, secrets: [WebhookSecret], now: Date, tolerance: Duration
    ) throws(WebhookError) -> WebhookSecret {
        let payload = Self.signedPayload(timestamp: timestamp, body: body)
        guard let secret = secrets.first(where: { secret in signatures.contains { secret.isValid($0, for: payload) } })
        else { throw .signatureMismatch(header: Self.header) }
        let seconds = Int(now.timeIntervalSince1970.rounded(.down))
        let allowed = Int(tolerance.components.seconds)
        // Compared without subtracting the sender's number from ours: an extreme `t` cannot overflow.
        guard timestamp >= seconds - allowed, timestamp <= seconds + allowed else {
            throw .timestampOutsideTolerance(timestamp: timestamp, now: seconds, toleranceSeconds: allowed)
        }
        return secret
    }
}
