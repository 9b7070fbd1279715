/// Why the API's authentication could not be set up from its configuration and environment. Descriptions name
/// the variable, never a secret's value.
public enum APIAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The signing secret's environment variable is unset or empty.
    case missingSecret(variable: String)
    /// The signing secret is shorter than HS256 needs.
    case weakSigningSecret(variable: String, bytes: Int, minimum: Int)
    /// A configured user's password variable is unset or empty.
    case missingPassword(user: String, variable: String)
    case emptyUsername
    case nonPositiveTokenLifetime

    public var description: String {
        switch self {
        case .missingSecret(let variable):
            "the API's token signing secret is missing: set the environment variable \(variable) to a random "
                + "string of at least \(APIAuthConfiguration.minimumSecretBytes) bytes (e.g. `openssl rand -hex 32`)"
        case .weakSigningSecret(let variable, let bytes, let minimum):
            "the signing secret in \(variable) has \(bytes) bytes; HS256 needs at least \(minimum): set a longer "
                + "random value"
        case .missingPassword(let user, let variable):
            "no password for API user '\(user)': set the environment variable \(variable), or remove the user "
                + "from the configuration"
        case .emptyUsername:
            "an API user has an empty name; give every user a name"
        case .nonPositiveTokenLifetime:
            "the token lifetime must be positive"
        }
    }
}
