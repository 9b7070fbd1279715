import Foundation

/// GitHub's webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body with the secret>`.
enum GitHubSignature {
    static let header = "X-Hub-Signature-256"
    private static let prefix = "sha256="

    static func value(body: some DataProtocol, secret: WebhookSecret) -> String {
        prefix + Hex.encode(secret.authenticationCode(for: body))
    }

    /// The secret whose HMAC of `body` is the header's, compared in constant time.
    static func verify(
        _ value: String, body: some DataProtocol, secrets: [WebhookSecret]
    ) throws(WebhookError) -> WebhookSecret {
        guard value.hasPrefix(prefix) else {
            throw .malformedSignature(header: header, reason: "it does not start with \(prefix)")
        }
        guard let code = Hex.decode(value.dropFirst(prefix.count)), code.count == 32 else {
            throw .malformedSignature(header: header, reason: "\(prefix) is not followed by 64 hexadecimal digits")
        }
        guard let secret = secrets.first(where: { $0.isValid(code, for: body) }) else {
            throw .signatureMismatch(header: header)
        }
        return secret
    }
}
