import Foundation

/// Normalises asset URIs the way Airflow 3 does, so that two spellings of one location are one asset.
///
/// - the scheme and the host are lower-cased;
/// - the fragment is dropped;
/// - query parameters are sorted (by name, then value);
/// - a trailing `/` is dropped from the path, and an empty path becomes `/`;
/// - a password in the user info is dropped, with a warning;
/// - the scheme `airflow` is reserved; a URI without a scheme, with whitespace, non-ASCII characters, or
///   longer than 1,500 characters is refused.
public enum AssetURI {
    public struct Normalised: Sendable, Hashable {
        public let uri: String
        public let warnings: [String]
    }

    public static func normalise(_ raw: String) throws(AssetError) -> Normalised {
        if raw.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw .emptyURI }
        if raw.count > AssetError.maximumLength { throw .tooLong(field: "URI", length: raw.count) }
        if raw.contains(where: \.isWhitespace) { throw .whitespaceInURI(raw) }
        if !raw.allSatisfy(\.isASCII) { throw .nonASCIIURI(raw) }
        guard let schemeEnd = raw.range(of: "://"), !raw[..<schemeEnd.lowerBound].isEmpty else {
            throw .missingScheme(raw)
        }
        let scheme = raw[..<schemeEnd.lowerBound].lowercased()
        guard scheme.first?.isLetter == true,
              scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }) else {
            throw .invalidURI(raw, reason: "the scheme '\(scheme)' has characters a scheme cannot have")
        }
        if scheme == "airflow" { throw .reservedScheme(raw) }
        guard var components = URLComponents(string: scheme + raw[schemeEnd.lowerBound...]) else {
            throw .invalidURI(raw, reason: "it could not be parsed")
        }
        var warnings: [String] = []
        components.fragment = nil
        if components.password != nil {
            components.password = nil
            warnings.append("the password in the URI's user info was dropped; keep credentials in a connection")
        }
        if let host = components.host { components.host = host.lowercased() }
        if let items = components.queryItems {
            components.queryItems = items.isEmpty ? nil : items.sorted {
                ($0.name, $0.value ?? "") < ($1.name, $1.value ?? "")
            }
        }
        var path = components.percentEncodedPath
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        components.percentEncodedPath = path.isEmpty ? "/" : path
        guard let uri = components.string else { throw .invalidURI(raw, reason: "it could not be rebuilt") }
        return Normalised(uri: uri, warnings: warnings)
    }
}
