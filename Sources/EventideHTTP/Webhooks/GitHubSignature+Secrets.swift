import Foundation

extension GitHubSignature {
    static func value(body: some DataProtocol, secret: WebhookSecret) -> String {
        prefix + Hex.encode(secret.authenticationCode(for: body))
    }

    /// The secret whose HMAC of `body` is the header's, compared in constant time.
    static func verify(
        _ value: String, body: some DataProtocol, secrets: [WebhookSecret]
    ) throws(WebhookError) -> WebhookSecret {
        let code: [UInt8]
        do { code = try self.code(in: value) } catch { throw WebhookError(error) }
        guard let secret = secrets.first(where: { $0.isValid(code, for: body) }) else {
            throw .signatureMismatch(header: header)
        }
        return secret
    }
}
