import Crypto
import Foundation

/// A shared secret a sender signs its deliveries with. Its value never appears in a description, a dump or a
/// log: only its `label` does (e.g. `GITHUB_WEBHOOK_SECRETS#2`), so a log can say which secret verified a delivery
/// (and when the old one stopped being used) without revealing either.
///
/// Secrets rotate: a source holds a list, and a delivery signed with any of them is accepted. Put the new secret
/// first, keep the old one until the sender has switched, then drop it.
public struct WebhookSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let label: String
    let key: SymmetricKey

    public init(_ value: String, label: String) {
        self.label = label
        key = SymmetricKey(data: Data(value.utf8))
    }

    /// The secrets in the environment variable `variable`, separated by commas, the current one first
    /// (`EVENTIDE_GITHUB_SECRETS=new,old` while rotating). Labelled `<variable>#1`, `#2`, …
    public static func fromEnvironment(
        _ variable: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(WebhookConfigurationError) -> [WebhookSecret] {
        let values = (environment[variable] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !values.isEmpty else { throw .missingSecret(variable: variable) }
        return values.enumerated().map { WebhookSecret($0.element, label: "\(variable)#\($0.offset + 1)") }
    }

    /// A new secret value: 32 random bytes in hex, for a sender and receiver to share (e.g. when rotating).
    public static func newValue() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// HMAC-SHA256 of `message` with this secret.
    func authenticationCode(for message: some DataProtocol) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }

    /// Whether `code` is the HMAC-SHA256 of `message` with this secret, compared in constant time.
    func isValid(_ code: [UInt8], for message: some DataProtocol) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: message, using: key)
    }

    public var description: String { "WebhookSecret(\(label), value redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["label": label]) }
}
