import Foundation

extension StripeSignature {
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
