/// GitHub's webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body with the secret>`.
/// The header is read here; signing and verifying with a secret are in `GitHubSignature+Secrets.swift`.
enum GitHubSignature {
    static let header = "X-Hub-Signature-256"
    static let prefix = "sha256="

    /// The 32 bytes of HMAC the header carries.
    static func code(in value: String) throws(MalformedSignatureHeader) -> [UInt8] {
        guard value.hasPrefix(prefix) else {
            throw MalformedSignatureHeader(header: header, reason: "it does not start with \(prefix)")
        }
        guard let code = Hex.decode(value.dropFirst(prefix.count)), code.count == 32 else {
            throw MalformedSignatureHeader(
                header: header, reason: "\(prefix) is not followed by 64 hexadecimal digits")
        }
        return code
    }
}
