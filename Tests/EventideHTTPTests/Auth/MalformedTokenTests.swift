import Eventide
import EventideTesting
import Foundation
import Testing

@testable import EventideHTTP

/// Tokens are read before anything is known of the caller: a token built to break the JSON reader is refused as
/// invalid, never a crash of the server.
@Suite(.timeLimit(.minutes(1)))
struct MalformedTokenTests {
    static func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    @Test(
        "a header or claims nested past the JSON reader's limit, over 8 KiB or not an object: an invalid token",
        arguments: [
            (String(repeating: "[", count: 513), #"{"sub":"alice"}"#),
            (#"{"alg":"HS256","typ":"JWT"}"#, String(repeating: "[", count: 513)),
            ("\n" + String(repeating: "[", count: 513), "{}"),
            (#"{"alg":"HS256","typ":"JWT"}"#, #"{"sub":""# + String(repeating: "a", count: 9_000) + #""}"#),
            (#"{"alg":"HS256","typ":"JWT"}"#, "[1]"),
        ])
    func deepTokens(header: String, payload: String) async throws {
        let authenticator = try await APIFixture.configuration.authenticator(environment: APIFixture.environment)
        let token = [Self.base64URL(header), Self.base64URL(payload), "c2ln"].joined(separator: ".")
        await #expect(throws: APIAuthFailure.invalidToken) { try await authenticator.principal(bearer: token) }
    }
}
