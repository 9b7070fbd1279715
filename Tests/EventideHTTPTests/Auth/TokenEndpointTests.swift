import Eventide
import Testing

@testable import EventideHTTP

/// `POST /auth/token` and the bearer check on /api/v2, over HTTP.
@Suite(.timeLimit(.minutes(2)))
struct TokenEndpointTests {
    @Test func loginIssuesATokenTheAPIAccepts() async throws {
        let fixture = try await APIFixture.make("auth-login")
        try await fixture.withClient { client in
            let login = try await client.send(
                .post, "/auth/token", body: #"{"username": "victor", "password": "victor-password"}"#)
            #expect(login.status == 201)
            let token = try #require(login.json?["access_token"]?.stringValue)
            let runs = try await client.send(.get, "/api/v2/dags/etl/dagRuns", token: token)
            #expect(runs.status == 200)
            #expect(runs.json?["total_entries"] == 0)
        }
    }

    @Test func badCredentialsAndBadBodiesAreRefusedAsAirflowDoes() async throws {
        let fixture = try await APIFixture.make("auth-refusals")
        try await fixture.withClient { client in
            let wrong = try await client.send(.post, "/auth/token", body: #"{"username": "alice", "password": "x"}"#)
            #expect(wrong.status == 401)
            #expect(wrong.detail == "Invalid credentials")
            let empty = try await client.send(.post, "/auth/token", body: #"{"username": "", "password": ""}"#)
            #expect(empty.status == 400)
            let missing = try await client.send(.post, "/auth/token", body: #"{"username": "alice", "role": "admin"}"#)
            #expect(missing.status == 422)
            #expect(Set(missing.validationTypes) == ["extra_forbidden", "missing"])
            let malformed = try await client.send(.post, "/auth/token", body: #"{"username": "#)
            #expect(malformed.status == 422)
            #expect(malformed.validationTypes == ["json_invalid"])
        }
    }

    @Test func noBadOrForeignTokenIs401WithAChallengeAndALowRoleIs403() async throws {
        let fixture = try await APIFixture.make("auth-bearer")
        let viewer = try await fixture.token("victor")
        try await fixture.withClient { client in
            let none = try await client.send(.post, "/api/v2/dags/etl/dagRuns", body: #"{"logical_date": null}"#)
            #expect(none.status == 401)
            #expect(none.headers[.wwwAuthenticate] == "Bearer")
            #expect(none.detail == "Not authenticated")
            let bad = try await client.send(.get, "/api/v2/assets", token: "abc.def.ghi")
            #expect(bad.status == 401)
            #expect(bad.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            let basic = try await client.send(.get, "/api/v2/assets", headers: [.authorization: "Basic YTpi"])
            #expect(basic.status == 401)
            let forbidden = try await client.send(
                .post, "/api/v2/dags/etl/dagRuns", token: viewer, body: #"{"logical_date": null}"#)
            #expect(forbidden.status == 403)
            #expect(forbidden.detail == "Forbidden")
            let reading = try await client.send(.get, "/api/v2/dags/etl/dagRuns", token: viewer)
            #expect(reading.status == 200)
            // The health check and the document need no token.
            #expect(try await client.send(.get, "/api/v2/monitor/health").status == 200)
            #expect(try await client.send(.get, "/openapi.json").status == 200)
        }
        #expect(try await fixture.scheduler.runs(of: "etl").isEmpty, "no refused request made a run")
    }
}
