import Hummingbird

/// Why a request was not authenticated or not allowed, and the answer Airflow's API gives for it.
public enum APIAuthFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// No `Authorization: Bearer …` header. 401.
    case missingToken
    /// A token that is malformed, not signed with this API's secret, or names a user no longer configured. 401
    /// (Airflow answers 403 here; RFC 6750 says 401, and so do we).
    case invalidToken
    /// A token past its `exp`. 401.
    case expiredToken
    /// A valid token whose user's role is below what the request needs (a viewer triggering a run). 403.
    case insufficientRole(needed: Principal.Role, actual: Principal.Role)
    /// `POST /auth/token` with an empty username or password. 400.
    case missingCredentials
    /// `POST /auth/token` with a username and password that do not match. 401.
    case invalidCredentials

    public var description: String {
        switch self {
        case .missingToken: "Not authenticated"
        case .invalidToken: "Invalid JWT token"
        case .expiredToken: "Token Expired"
        case .insufficientRole: "Forbidden"
        case .missingCredentials: "Username and password must be provided"
        case .invalidCredentials: "Invalid credentials"
        }
    }

    /// The HTTP answer, with Airflow's message; 401s carry `WWW-Authenticate: Bearer` (RFC 6750).
    public var problem: HTTPProblem {
        switch self {
        case .missingToken:
            HTTPProblem(.unauthorized, detail: description, headers: [.wwwAuthenticate: "Bearer"])
        case .invalidToken, .expiredToken:
            HTTPProblem(
                .unauthorized, detail: description, headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])
        case .invalidCredentials:
            HTTPProblem(.unauthorized, detail: description, headers: [.wwwAuthenticate: "Bearer"])
        case .insufficientRole: HTTPProblem(.forbidden, detail: description)
        case .missingCredentials: HTTPProblem(.badRequest, detail: description)
        }
    }
}
