import Hummingbird

/// Authenticates every request of the routes it is added to with `Authorization: Bearer <token>`, checks the
/// caller's role against the method (reading needs `viewer`, anything that changes state needs `op`), and sets
/// `context.principal` for the handler. A refusal is answered here, before the handler reads the body: 401 with
/// `WWW-Authenticate` for no, a bad or an expired token, 403 for a role too low.
public struct BearerAuthMiddleware: RouterMiddleware {
    public typealias Context = EventideRequestContext

    public let authenticator: APIAuthenticator

    public init(authenticator: APIAuthenticator) {
        self.authenticator = authenticator
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        do {
            context.principal = try await authorize(request)
        } catch {
            throw error.problem
        }
        return try await next(request, context)
    }

    /// The caller, allowed to make this request.
    func authorize(_ request: Request) async throws(APIAuthFailure) -> Principal {
        guard let token = Self.bearerToken(request.headers[.authorization]) else { throw .missingToken }
        let principal = try await authenticator.principal(bearer: token)
        let needed = Self.requiredRole(for: request.method)
        guard principal.role >= needed else { throw .insufficientRole(needed: needed, actual: principal.role) }
        return principal
    }

    /// Reading (GET, HEAD) needs `viewer`; triggering, recording, materializing and deleting need `op`.
    public static func requiredRole(for method: HTTPRequest.Method) -> Principal.Role {
        method == .get || method == .head ? .viewer : .op
    }

    /// The token of an `Authorization: Bearer <token>` header (the scheme in any case, spaces and tabs around the
    /// token ignored), `nil` otherwise. Read on the header's UTF-8 bytes: every API request comes through here.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let bytes = header.utf8
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let schemeEnd = bytes.firstIndex(where: isBlank),
            bytes[..<schemeEnd].elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 }),
            let start = bytes[schemeEnd...].firstIndex(where: { !isBlank($0) }),
            let last = bytes[start...].lastIndex(where: { !isBlank($0) })
        else { return nil }
        return String(decoding: bytes[start...last], as: UTF8.self)
    }
}
