import Synchronization

/// Access tokens whose signature has been checked, with their claims, so a client that sends the same bearer token
/// on every request (all of them do) costs one HMAC check and one JSON decode per token instead of per request.
///
/// Only the signature check is remembered: the expiry is still compared with the authenticator's clock and the
/// user looked up in the configuration on every request (`APIAuthenticator.principal(bearer:)`). A token is only
/// ever found by its exact text, which the signature covers, so a hit stands for the same verification. At most
/// `capacity` tokens are kept; when full, the oldest half is forgotten (and verified again if sent again).
final class VerifiedTokens: Sendable {
    private struct State {
        var claims: [String: AccessTokenClaims] = [:]
        var order: [String] = []
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = 4_096) {
        precondition(capacity > 1, "keep at least two tokens")
        self.capacity = capacity
    }

    /// The claims of `token` if its signature was verified before.
    func claims(of token: String) -> AccessTokenClaims? {
        state.withLock { $0.claims[token] }
    }

    /// Remembers that `token`'s signature is valid and carries `claims`.
    func insert(_ claims: AccessTokenClaims, of token: String) {
        state.withLock { state in
            guard state.claims.updateValue(claims, forKey: token) == nil else { return }
            state.order.append(token)
            if state.order.count > capacity {
                let forgotten = state.order.prefix(capacity / 2)
                for old in forgotten { state.claims[old] = nil }
                state.order.removeFirst(forgotten.count)
            }
        }
    }

    /// How many tokens are remembered (for tests).
    var count: Int { state.withLock { $0.claims.count } }
}
