import Eventide
import EventideTesting
import Foundation
import Testing

@testable import EventideHTTP

/// `VerifiedTokens`: a token's signature is checked once; expiry, the user and any other text are still checked.
@Suite(.timeLimit(.minutes(2)))
struct VerifiedTokensTests {
    let configuration = APIFixture.configuration

    @Test func aRememberedTokenStillExpiresAndAnAlteredOneIsStillRefused() async throws {
        let clock = TestClock()
        let authenticator = try await APIAuthConfiguration(users: configuration.users, tokenLifetime: .seconds(60))
            .authenticator(environment: APIFixture.environment, clock: EventideClock(clock))
        let token = try await authenticator.issueToken(username: "alice", password: "alice-password")
        #expect(try await authenticator.principal(bearer: token).username == "alice")
        #expect(try await authenticator.principal(bearer: token).username == "alice")
        #expect(authenticator.verified.count == 1, "verified once, remembered")

        // The same payload with the signature's first character changed: not the remembered text, so verified.
        var parts = token.split(separator: ".").map(String.init)
        try #require(parts.count == 3)
        parts[2] = (parts[2].hasPrefix("A") ? "B" : "A") + parts[2].dropFirst()
        let altered = parts.joined(separator: ".")
        await #expect(throws: APIAuthFailure.invalidToken) { try await authenticator.principal(bearer: altered) }
        #expect(authenticator.verified.count == 1, "a refused token is not remembered")

        await clock.advance(by: .seconds(60))
        await #expect(throws: APIAuthFailure.expiredToken) { try await authenticator.principal(bearer: token) }
    }

    @Test func whenFullTheOldestHalfIsForgotten() async throws {
        let authenticator = try await configuration.authenticator(environment: APIFixture.environment)
        let token = try await authenticator.issueToken(username: "alice", password: "alice-password")
        _ = try await authenticator.principal(bearer: token)
        let claims = try #require(authenticator.verified.claims(of: token))
        let tokens = VerifiedTokens(capacity: 4)
        for n in 1...5 { tokens.insert(claims, of: "t\(n)") }
        #expect(tokens.count == 3)
        #expect(tokens.claims(of: "t1") == nil && tokens.claims(of: "t2") == nil)
        #expect(tokens.claims(of: "t5") == claims)
        tokens.insert(claims, of: "t5")  // known: not added twice
        #expect(tokens.count == 3)
    }
}
