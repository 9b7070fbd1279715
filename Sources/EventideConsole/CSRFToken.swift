import Crypto
import Foundation

/// The console's defence against cross-site request forgery (the synchronizer-token pattern): a random token made
/// when the console is made, written into every form that changes something, and required on every POST. Another
/// site can make a browser send a POST to the console, but cannot read the console's pages, so it cannot know the
/// token. Compared in constant time (through SHA-256 digests, whose equality is constant-time in swift-crypto).
struct CSRFToken: Sendable {
    let value: String

    /// A new random token: 32 bytes from the system's generator, in hex.
    init() {
        var generator = SystemRandomNumberGenerator()
        value = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }
            .joined()
    }

    /// Whether a request's token is this one.
    func accepts(_ candidate: String?) -> Bool {
        guard let candidate else { return false }
        return SHA256.hash(data: Data(candidate.utf8)) == SHA256.hash(data: Data(value.utf8))
    }
}
