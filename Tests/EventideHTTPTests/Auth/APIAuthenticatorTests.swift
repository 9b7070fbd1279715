import Eventide
import EventideTesting
import Foundation
import Testing

@testable import EventideHTTP

@Suite(.timeLimit(.minutes(2)))
struct APIAuthenticatorTests {
    let environment = APIFixture.environment
    let configuration = APIFixture.configuration

    @Test func aTokenCarriesTheUserAndItsConfiguredRole() async throws {
        let authenticator = try await configuration.authenticator(environment: environment)
        for (user, role) in [("alice", Principal.Role.op), ("victor", .viewer), ("ada", .admin)] {
            let token = try await authenticator.issueToken(
                username: user, password: try #require(APIFixture.passwords[user]))
            #expect(token.split(separator: ".").count == 3, "a compact JWS")
            #expect(try await authenticator.principal(bearer: token) == Principal(username: user, role: role))
        }
    }

    @Test func wrongPasswordsUnknownUsersAndEmptyFieldsAreRefused() async throws {
        let authenticator = try await configuration.authenticator(environment: environment)
        await #expect(throws: APIAuthFailure.invalidCredentials) {
            try await authenticator.issueToken(username: "alice", password: "victor-password")
        }
        await #expect(throws: APIAuthFailure.invalidCredentials) {
            try await authenticator.issueToken(username: "mallory", password: "alice-password")
        }
        await #expect(throws: APIAuthFailure.missingCredentials) {
            try await authenticator.issueToken(username: "alice", password: "")
        }
    }

    @Test func theTokenExpiresOnTheInjectedClock() async throws {
        let clock = TestClock()
        let authenticator = try await APIAuthConfiguration(
            users: configuration.users, tokenLifetime: .seconds(60)
        ).authenticator(environment: environment, clock: EventideClock(clock))
        let token = try await authenticator.issueToken(username: "alice", password: "alice-password")
        await clock.advance(by: .seconds(59))
        #expect(try await authenticator.principal(bearer: token).username == "alice")
        await clock.advance(by: .seconds(1))
        await #expect(throws: APIAuthFailure.expiredToken) { try await authenticator.principal(bearer: token) }
    }

    @Test func aTokenSignedWithAnotherSecretOrAlteredIsInvalid() async throws {
        let authenticator = try await configuration.authenticator(environment: environment)
        var otherEnvironment = environment
        otherEnvironment["EVENTIDE_API_SECRET"] = String(repeating: "fedcba9876543210", count: 4)
        let other = try await configuration.authenticator(environment: otherEnvironment)
        let foreign = try await other.issueToken(username: "alice", password: "alice-password")
        await #expect(throws: APIAuthFailure.invalidToken) { try await authenticator.principal(bearer: foreign) }

        // The payload says admin for victor, the signature is victor's viewer token's: refused.
        let token = try await authenticator.issueToken(username: "victor", password: "victor-password")
        let parts = token.split(separator: ".").map(String.init)
        try #require(parts.count == 3)
        let forged = Data(#"{"sub":"ada","role":"admin","iat":1,"exp":99999999999}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
        await #expect(throws: APIAuthFailure.invalidToken) {
            try await authenticator.principal(bearer: [parts[0], forged, parts[2]].joined(separator: "."))
        }
        await #expect(throws: APIAuthFailure.invalidToken) { try await authenticator.principal(bearer: "not-a-jwt") }
    }

    @Test func removingAUserRevokesItsTokens() async throws {
        let authenticator = try await configuration.authenticator(environment: environment)
        let token = try await authenticator.issueToken(username: "alice", password: "alice-password")
        var reduced = configuration
        reduced.users["alice"] = nil
        let after = try await reduced.authenticator(environment: environment)
        await #expect(throws: APIAuthFailure.invalidToken) { try await after.principal(bearer: token) }
    }

    @Test func missingOrWeakSecretsAreNamedByTheirVariable() async throws {
        var environment = self.environment
        environment["PW_VICTOR"] = nil
        await #expect(throws: APIAuthError.missingPassword(user: "victor", variable: "PW_VICTOR")) {
            try await configuration.authenticator(environment: environment)
        }
        environment["EVENTIDE_API_SECRET"] = nil
        await #expect(throws: APIAuthError.missingSecret(variable: "EVENTIDE_API_SECRET")) {
            try await configuration.authenticator(environment: environment)
        }
        environment["EVENTIDE_API_SECRET"] = "short"
        await #expect(throws: APIAuthError.weakSigningSecret(variable: "EVENTIDE_API_SECRET", bytes: 5, minimum: 32)) {
            try await configuration.authenticator(environment: environment)
        }
        // No description carries a secret's value.
        let errors: [APIAuthError] = [
            .missingSecret(variable: "V"), .weakSigningSecret(variable: "V", bytes: 5, minimum: 32),
            .missingPassword(user: "u", variable: "V"),
        ]
        #expect(errors.allSatisfy { !$0.description.contains("short") })
    }

    @Test func constantTimeEqualityComparesWholeSequences() {
        #expect(ConstantTime.equal([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2]))
        #expect(!ConstantTime.equal([], [0]))
        #expect(ConstantTime.equal([UInt8](), []))
    }

    @Test func bearerHeadersAreParsedAndRolesFollowTheMethod() {
        #expect(BearerAuthMiddleware.bearerToken("Bearer abc") == "abc")
        #expect(BearerAuthMiddleware.bearerToken("bearer  abc ") == "abc")
        #expect(BearerAuthMiddleware.bearerToken("Basic abc") == nil)
        #expect(BearerAuthMiddleware.bearerToken("Bearer") == nil)
        #expect(BearerAuthMiddleware.bearerToken(nil) == nil)
        #expect(BearerAuthMiddleware.requiredRole(for: .get) == .viewer)
        #expect(BearerAuthMiddleware.requiredRole(for: .post) == .op)
        #expect(BearerAuthMiddleware.requiredRole(for: .delete) == .op)
    }
}
