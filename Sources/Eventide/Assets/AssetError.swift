/// Why an asset, an asset alias or an asset condition was refused.
///
/// Each description says what is wrong with the value as written and how to fix it. A blank value (empty or
/// only whitespace) is one case, `emptyName` or `emptyURI`: Airflow refuses both the same way.
public enum AssetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name (of an asset or an alias) is empty or only whitespace.
    case emptyName
    /// The URI is empty or only whitespace.
    case emptyURI
    /// A name, URI or group is longer than 1,500 characters; `field` says which, `length` how long it is.
    case tooLong(field: String, length: Int)
    /// The URI contains whitespace somewhere (spaces, tabs, newlines).
    case whitespaceInURI(String)
    /// The URI contains characters outside ASCII.
    case nonASCIIURI(String)
    /// The name contains characters outside ASCII (Airflow stores names in an ASCII-only column).
    case nonASCIIName(String)
    /// The group is only whitespace or not ASCII; `reason` says which.
    case invalidGroup(String, reason: String)
    /// The URI does not start with `scheme://`.
    case missingScheme(String)
    /// The URI uses the scheme `airflow`, which Airflow reserves for itself.
    case reservedScheme(String)
    /// The URI breaks URI syntax (RFC 3986); `reason` names the part and the character.
    case invalidURI(String, reason: String)
    /// A schedule (or an event) names an asset that no DAG produces or consumes and nobody declared.
    case undeclaredAsset(name: String, uri: String, dag: String?)

    /// The longest name, URI or group Airflow accepts, in characters.
    static let maximumLength = 1_500

    public var description: String {
        switch self {
        case .emptyName:
            return "asset name is empty or only whitespace; give the asset or alias a name such as \"orders\"."
        case .emptyURI:
            return "asset URI is empty or only whitespace; use a URI such as \"s3://bucket/orders.csv\"."
        case .tooLong(let field, let length):
            return "asset \(field) is \(length) characters long; at most \(Self.maximumLength) are allowed. "
                + "Shorten it and keep long details in the asset's extra."
        case .whitespaceInURI(let uri):
            return "asset URI \(uri.debugDescription) contains whitespace; percent-encode it (a space is %20)."
        case .nonASCIIURI(let uri):
            return "asset URI \(uri.debugDescription) contains non-ASCII characters; percent-encode them "
                + "(UTF-8 bytes, e.g. ü is %C3%BC)."
        case .nonASCIIName(let name):
            return "asset name \(name.debugDescription) contains non-ASCII characters; Airflow only accepts "
                + "ASCII names, so transliterate it (e.g. \"bücher\" → \"buecher\")."
        case .invalidGroup(let group, let reason):
            return "asset group \(group.debugDescription) \(reason); use an ASCII word such as \"sales\", "
                + "or leave it out for the default \"asset\"."
        case .missingScheme(let uri):
            let file = uri.hasPrefix("/") ? "file://\(uri)" : "file:///data/\(uri)"
            let s3 = uri.hasPrefix("/") ? "s3://bucket\(uri)" : "s3://bucket/\(uri)"
            return "asset URI \(uri.debugDescription) has no scheme; write e.g. \(file.debugDescription) "
                + "or \(s3.debugDescription)."
        case .reservedScheme(let uri):
            return
                "asset URI \(uri.debugDescription) uses the scheme 'airflow', which is reserved; pick another scheme."
        case .invalidURI(let uri, let reason):
            return "asset URI \(uri.debugDescription) is not a valid URI: \(reason)."
        case .undeclaredAsset(let name, let uri, let dag):
            let subject = dag.map { "DAG '\($0)' schedules on" } ?? "the event names"
            return "\(subject) asset '\(name)' (\(uri)), which no DAG produces or consumes and no one declared; "
                + "check the URI for a typo or pass the asset to register(assets:)."
        }
    }
}
