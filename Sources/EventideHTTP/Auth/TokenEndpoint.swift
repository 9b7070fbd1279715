import Eventide
import Hummingbird

/// `POST /auth/token`, Airflow's login for API clients: `{"username", "password"}` → 201 `{"access_token"}`.
/// Wrong credentials are 401, an empty name or password 400, a body of another shape 422.
struct TokenEndpoint: Sendable {
    let authenticator: APIAuthenticator

    func register(on router: Router<EventideRequestContext>) {
        router.post("/auth/token") { request, context in try await issue(request, context: context) }
    }

    func issue(_ request: Request, context: EventideRequestContext) async throws -> Response {
        var fields = BodyFields(
            try await RequestBody.object(request, context: context), allowed: ["username", "password"])
        let username = fields.requiredString("username")
        let password = fields.requiredString("password")
        try fields.validate()
        do {
            let token = try await authenticator.issueToken(username: username ?? "", password: password ?? "")
            return .json(["access_token": .string(token)], status: .created)
        } catch {
            throw error.problem
        }
    }
}
