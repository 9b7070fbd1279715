import Crypto
import Eventide
import Foundation
import JWTKit

/// Issues and checks the API's access tokens: HS256 JWTs carrying the user (`sub`), the time of issue (`iat`) and
/// the expiry (`exp`), signed with the secret the configuration names. Made by
/// `APIAuthConfiguration.authenticator(environment:clock:)`.
///
/// Passwords are compared in constant time, as SHA-256 digests (equal lengths whatever was sent), and an unknown
/// user costs the same comparison as a known one. A token's role is read from the configuration when it is
/// checked, so removing a user or lowering a role takes effect on tokens already issued.
public struct APIAuthenticator: Sendable {
    /// A configured user, with its password kept only as a digest.
    struct Account: Sendable {
        let role: Principal.Role
        let passwordDigest: SHA256Digest

        init(role: Principal.Role, password: String) {
            self.role = role
            passwordDigest = SHA256.hash(data: Data(password.utf8))
        }
    }

    private let keys: JWTKeyCollection
    /// Tokens whose signature was already checked (expiry and user are still checked on every request).
    let verified = VerifiedTokens()
    private let accounts: [String: Account]
    public let tokenLifetime: Duration
    /// Stamps `iat` and `exp`, and decides when a token has expired.
    public let clock: EventideClock
    /// Compared against when the user is unknown, so that case takes as long as a wrong password.
    private static let decoy = SHA256.hash(data: Data("eventide: no such user".utf8))

    init(signingSecret: String, accounts: [String: Account], tokenLifetime: Duration, clock: EventideClock) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: signingSecret), digestAlgorithm: .sha256)
        self.accounts = accounts
        self.tokenLifetime = tokenLifetime
        self.clock = clock
    }

    /// The configured user names, sorted.
    public var usernames: [String] { accounts.keys.sorted() }

    /// Checks the credentials and returns a signed access token. Throws `.missingCredentials` for an empty name or
    /// password and `.invalidCredentials` for anything else that does not match.
    public func issueToken(username: String, password: String) async throws(APIAuthFailure) -> String {
        guard !username.isEmpty, !password.isEmpty else { throw .missingCredentials }
        let given = SHA256.hash(data: Data(password.utf8))
        let account = accounts[username]
        let matches = ConstantTime.equal(given, account?.passwordDigest ?? Self.decoy)
        guard let account, matches else { throw .invalidCredentials }
        let now = clock.date
        let claims = AccessTokenClaims(
            sub: SubjectClaim(value: username), role: account.role.rawValue, iat: IssuedAtClaim(value: now),
            exp: ExpirationClaim(value: now.addingTimeInterval(tokenLifetime.inSeconds)))
        do {
            return try await keys.sign(claims)
        } catch {
            // Signing with a configured HMAC key only fails if the claims cannot be encoded, which they always can.
            throw .invalidCredentials
        }
    }

    /// The caller a bearer token stands for. Throws `.invalidToken` for a token that is malformed, not signed with
    /// this API's secret or names a user no longer configured, and `.expiredToken` once its `exp` has passed on
    /// the authenticator's clock.
    public func principal(bearer token: String) async throws(APIAuthFailure) -> Principal {
        let claims: AccessTokenClaims
        if let known = verified.claims(of: token) {
            claims = known
        } else {
            guard CompactToken.isWellFormed(token) else { throw .invalidToken }  // before jwt-kit's JSONDecoder
            do {
                claims = try await keys.verify(token, as: AccessTokenClaims.self)
            } catch {
                throw .invalidToken
            }
            verified.insert(claims, of: token)
        }
        guard clock.date < claims.exp.value else { throw .expiredToken }
        guard let account = accounts[claims.sub.value] else { throw .invalidToken }
        return Principal(username: claims.sub.value, role: account.role)
    }
}

/// The claims of an access token.
struct AccessTokenClaims: JWTPayload, Equatable {
    var sub: SubjectClaim
    /// The role when the token was issued (informational: the configured role decides).
    var role: String
    var iat: IssuedAtClaim
    var exp: ExpirationClaim

    /// jwt-kit calls this after checking the signature. Expiry is checked by `APIAuthenticator` right after,
    /// against its injected clock, which jwt-kit's `verifyNotExpired()` (the system time) would not use.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
