import Foundation

/// Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, each `v1` the
/// HMAC-SHA256 of `"<t>.<body>"` with one of the endpoint's secrets (several while a secret is rolled). The
/// header is read here; signing and verifying with secrets are in `StripeSignature+Secrets.swift`.
struct StripeSignature: Sendable, Equatable {
    static let header = "Stripe-Signature"

    let timestamp: Int
    let signatures: [[UInt8]]

    /// Reads the header; other schemes (`v0`, …) are ignored, as Stripe's libraries do.
    init(parsing value: String) throws(MalformedSignatureHeader) {
        var timestamp: Int?
        var signatures: [[UInt8]] = []
        for part in value.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            switch pair[0] {
            case "t":
                guard let seconds = Int(pair[1]) else {
                    throw MalformedSignatureHeader(header: Self.header, reason: "t=\(pair[1]) is not a Unix time")
                }
                timestamp = seconds
            case "v1":
                guard let code = Hex.decode(pair[1]), code.count == 32 else {
                    throw MalformedSignatureHeader(header: Self.header, reason: "a v1 is not 64 hexadecimal digits")
                }
                signatures.append(code)
            default: continue
            }
        }
        guard let timestamp else { throw MalformedSignatureHeader(header: Self.header, reason: "no t=<timestamp>") }
        guard !signatures.isEmpty else {
            throw MalformedSignatureHeader(header: Self.header, reason: "no v1 signature")
        }
        self.timestamp = timestamp
        self.signatures = signatures
    }

    static func signedPayload(timestamp: Int, body: some DataProtocol) -> [UInt8] {
        Array("\(timestamp).".utf8) + Array(body)
    }
}
