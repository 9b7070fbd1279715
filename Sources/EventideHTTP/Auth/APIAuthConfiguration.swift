import Eventide
import Foundation

/// Who may call the REST API and how its tokens are signed: users with a role, and the names of the environment
/// variables that hold the secrets (the signing secret and each user's password). No secret is ever part of the
/// configuration itself, so a configuration can be logged, committed or printed.
///
/// ```swift
/// let auth = APIAuthConfiguration(users: [
///     "alice": .init(role: .op, passwordVariable: "EVENTIDE_API_PASSWORD_ALICE"),
///     "victor": .init(role: .viewer, passwordVariable: "EVENTIDE_API_PASSWORD_VICTOR"),
/// ])                                                      // signs with $EVENTIDE_API_SECRET, tokens last 1 h
/// let authenticator = try await auth.authenticator()      // reads the environment; throws APIAuthError
/// ```
public struct APIAuthConfiguration: Sendable, Hashable {
    /// A user: its role, and the environment variable that holds its password.
    public struct User: Sendable, Hashable {
        public let role: Principal.Role
        public let passwordVariable: String

        public init(role: Principal.Role, passwordVariable: String) {
            self.role = role
            self.passwordVariable = passwordVariable
        }
    }

    public var users: [String: User]
    /// The environment variable holding the HS256 signing secret (at least 32 bytes, RFC 7518 §3.2).
    public var signingSecretVariable: String
    /// How long an access token is valid (its `exp` claim is the time of issue plus this).
    public var tokenLifetime: Duration

    public static let defaultSigningSecretVariable = "EVENTIDE_API_SECRET"
    /// HS256 needs a key at least as long as its hash output.
    public static let minimumSecretBytes = 32

    public init(
        users: [String: User], signingSecretVariable: String = defaultSigningSecretVariable,
        tokenLifetime: Duration = .seconds(3600)
    ) {
        self.users = users
        self.signingSecretVariable = signingSecretVariable
        self.tokenLifetime = tokenLifetime
    }

    /// Reads the secrets from `environment` and returns the authenticator that issues and checks tokens. Throws
    /// `APIAuthError` naming the variable that is missing or too short (never its value).
    public func authenticator(
        environment: [String: String] = ProcessInfo.processInfo.environment, clock: EventideClock = .system
    ) async throws(APIAuthError) -> APIAuthenticator {
        guard tokenLifetime > .zero else { throw .nonPositiveTokenLifetime }
        guard let secret = environment[signingSecretVariable], !secret.isEmpty else {
            throw .missingSecret(variable: signingSecretVariable)
        }
        guard secret.utf8.count >= Self.minimumSecretBytes else {
            throw .weakSigningSecret(
                variable: signingSecretVariable, bytes: secret.utf8.count, minimum: Self.minimumSecretBytes)
        }
        var passwords: [String: APIAuthenticator.Account] = [:]
        for (name, user) in users.sorted(by: { $0.key < $1.key }) {
            guard !name.isEmpty else { throw .emptyUsername }
            guard let password = environment[user.passwordVariable], !password.isEmpty else {
                throw .missingPassword(user: name, variable: user.passwordVariable)
            }
            passwords[name] = .init(role: user.role, password: password)
        }
        return await APIAuthenticator(
            signingSecret: secret, accounts: passwords, tokenLifetime: tokenLifetime, clock: clock)
    }
}
