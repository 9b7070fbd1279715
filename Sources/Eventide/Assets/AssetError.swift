/// Why an asset, alias or asset condition was refused.
public enum AssetError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyName
    case emptyURI
    case tooLong(field: String, length: Int)
    case whitespaceInURI(String)
    case nonASCIIURI(String)
    case missingScheme(String)
    case reservedScheme(String)
    case invalidURI(String, reason: String)
    /// A schedule (or an event) names an asset that no DAG produces or consumes and nobody declared.
    case undeclaredAsset(name: String, uri: String, dag: String?)

    public static let maximumLength = 1_500

    public var description: String {
        switch self {
        case .emptyName:
            return "asset name is empty or only whitespace; give the asset a name such as \"orders\"."
        case .emptyURI:
            return "asset URI is empty or only whitespace; use a URI such as \"s3://bucket/orders.csv\"."
        case .tooLong(let field, let length):
            return "asset \(field) is \(length) characters long; at most \(Self.maximumLength) are allowed."
        case .whitespaceInURI(let uri):
            return "asset URI \(uri.debugDescription) contains whitespace; percent-encode it (%20)."
        case .nonASCIIURI(let uri):
            return "asset URI \(uri.debugDescription) contains non-ASCII characters; percent-encode them."
        case .missingScheme(let uri):
            return "asset URI \(uri.debugDescription) has no scheme; write e.g. \"file:///data/\(uri)\" or \"s3://bucket/\(uri)\"."
        case .reservedScheme(let uri):
            return "asset URI \(uri.debugDescription) uses the scheme 'airflow', which is reserved; pick another scheme."
        case .invalidURI(let uri, let reason):
            return "asset URI \(uri.debugDescription) is not a valid URI: \(reason)."
        case .undeclaredAsset(let name, let uri, let dag):
            let subject = dag.map { "DAG '\($0)' schedules on" } ?? "the event names"
            return "\(subject) asset '\(name)' (\(uri)), which no DAG produces or consumes and no one declared; "
                + "check the URI for a typo or pass the asset to register(assets:)."
        }
    }
}
