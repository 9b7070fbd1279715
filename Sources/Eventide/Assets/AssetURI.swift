import Foundation

/// Normalises asset URIs the way Airflow 3's `_sanitize_uri` does, so that two spellings of one location
/// are one asset, and refuses the URIs our catalog does not accept.
///
/// Normalisation, applied in this order to a URI that passed the checks below:
/// - the scheme is lower-cased (`S3://` → `s3://`);
/// - the host is lower-cased (`s3://Bucket/Key` → `s3://bucket/Key`; the path keeps its case);
/// - a password in the user info is dropped, with a warning (`s3://etl:secret@b/k` → `s3://etl@b/k`);
///   an empty user info is dropped silently (`s3://@b/k` → `s3://b/k`);
/// - every trailing `/` of the path is dropped, and an empty path becomes `/`
///   (`file:///data/` → `file:///data`, `s3://bucket` → `s3://bucket/`);
/// - the query's parameters are sorted by name, then value, compared as their percent-encoded bytes; a
///   parameter without `=` sorts before the same name with a value, empty parameters (`&&`) are dropped,
///   and an empty query disappears (`?b=2&a=1` → `?a=1&b=2`, `s3://b/k?` → `s3://b/k`);
/// - the fragment is dropped (`s3://b/k#latest` → `s3://b/k`).
///
/// Percent-encodings, ports and everything else are kept as written. Normalising a normalised URI gives it
/// back unchanged.
///
/// Refused, with an `AssetError` saying how to fix it: a blank URI; whitespace anywhere; non-ASCII
/// characters; more than 1,500 characters (as written); no `scheme://` prefix (Airflow only warns; a bare
/// `orders.csv` is almost always a typo for a real location); the reserved scheme `airflow` (in any case);
/// characters RFC 3986 does not allow where they stand, and malformed `%` escapes, IPv6 hosts or ports.
///
/// Where Airflow differs: it drops the whole user info (user and password), keeps the host's case unless a
/// provider's normaliser lower-cases it, re-encodes the query through `parse_qsl`/`urlencode` (which drops
/// parameters with empty values), and leaves `x-` schemes untouched.
enum AssetURI {
    /// A normalised URI and what normalisation changed that the author should know about.
    struct Normalised: Sendable, Hashable {
        let uri: String
        let warnings: [String]
    }

    static let passwordDropped = "the password in the URI's user info was dropped; keep credentials in a connection"

    /// Whether `text` starts with `scheme://`, i.e. is meant as a URI rather than an opaque name.
    static func looksLikeURI(_ text: String) -> Bool {
        guard let separator = text.firstRange(of: "://") else { return false }
        return isScheme(text[..<separator.lowerBound])
    }

    static func normalise(_ raw: String) throws(AssetError) -> Normalised {
        if raw.allSatisfy(\.isWhitespace) { throw .emptyURI }
        if raw.contains(where: \.isWhitespace) { throw .whitespaceInURI(raw) }
        if !raw.unicodeScalars.allSatisfy(\.isASCII) { throw .nonASCIIURI(raw) }
        // ASCII from here on: one character is one byte.
        if raw.utf8.count > AssetError.maximumLength { throw .tooLong(field: "URI", length: raw.utf8.count) }

        guard let separator = raw.firstRange(of: "://") else { throw .missingScheme(raw) }
        let scheme = raw[..<separator.lowerBound]
        guard isScheme(scheme) else {
            // `orders.csv?next=s3://x`: the `://` belongs to a later part, so there is no scheme at all.
            if scheme.isEmpty || scheme.contains(where: { "/?#".contains($0) }) { throw .missingScheme(raw) }
            throw .invalidURI(
                raw,
                reason: "the scheme '\(scheme)' must start with a letter and hold only "
                    + "letters, digits, '+', '-' and '.'")
        }
        let normalisedScheme = scheme.lowercased()
        if normalisedScheme == "airflow" { throw .reservedScheme(raw) }

        // RFC 3986: authority ends at the first '/', '?' or '#'; the query at '#'.
        var rest = raw[separator.upperBound...]
        if let hash = rest.firstIndex(of: "#") {
            try check(rest[rest.index(after: hash)...], allowing: queryCharacters, in: "fragment", of: raw)
            rest = rest[..<hash]
        }
        var query: Substring?
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let path = rest[slash...]

        var warnings: [String] = []
        var userInfo: Substring = ""
        var hostAndPort = authority
        if let at = authority.lastIndex(of: "@") {
            userInfo = authority[..<at]
            hostAndPort = authority[authority.index(after: at)...]
            try check(userInfo, allowing: ":", in: "user info", of: raw)
            if let colon = userInfo.firstIndex(of: ":") {
                if userInfo.index(after: colon) != userInfo.endIndex { warnings.append(passwordDropped) }
                userInfo = userInfo[..<colon]
            }
        }
        let (host, port) = try splitHost(hostAndPort, of: raw)
        try check(path, allowing: pathCharacters, in: "path", of: raw)
        if let query { try check(query, allowing: queryCharacters, in: "query", of: raw) }

        var uri = normalisedScheme + "://"
        if !userInfo.isEmpty { uri += userInfo + "@" }
        uri += host.lowercased()
        if let port { uri += ":" + port }
        var trimmedPath = path
        while trimmedPath.last == "/" { trimmedPath.removeLast() }
        uri += trimmedPath.isEmpty ? "/" : trimmedPath
        if let query, let sorted = sortedQuery(query) { uri += "?" + sorted }

        // Every character was checked against RFC 3986 above, so Foundation parses what we built; this guards
        // the promise that every asset URI can be opened as a `URL` by a watcher.
        guard URLComponents(string: uri) != nil else {
            throw .invalidURI(raw, reason: "Foundation's URLComponents cannot parse its normalised form \(uri)")
        }
        return Normalised(uri: uri, warnings: warnings)
    }

    // MARK: Parts

    static func isScheme(_ text: Substring) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCIILetter else { return false }
        return text.unicodeScalars.allSatisfy {
            $0.isASCIILetter || $0.isASCIIDigit || "+-.".unicodeScalars.contains($0)
        }
    }

    /// Splits `host[:port]` (the host may be an IPv6 literal in brackets) and checks both.
    private static func splitHost(_ text: Substring, of raw: String) throws(AssetError) -> (Substring, Substring?) {
        var host = text
        var port: Substring?
        if text.first == "[" {
            guard let close = text.firstIndex(of: "]") else {
                throw .invalidURI(raw, reason: "the IPv6 host '\(text)' is missing its closing ']'")
            }
            host = text[...close]
            let after = text[text.index(after: close)...]
            if after.first == ":" {
                port = after.dropFirst()
            } else if !after.isEmpty {
                throw .invalidURI(raw, reason: "'\(after)' follows the IPv6 host; only ':port' may follow it")
            }
            try check(host.dropFirst().dropLast(), allowing: ":", in: "IPv6 host", of: raw)
        } else {
            if let colon = text.firstIndex(of: ":") {
                host = text[..<colon]
                port = text[text.index(after: colon)...]
            }
            try check(host, allowing: "", in: "host", of: raw)
        }
        if let port {
            guard port.allSatisfy({ ("0"..."9").contains($0) }) else {
                throw .invalidURI(raw, reason: "the port '\(port)' is not a number")
            }
            guard port.count <= 5, Int(port) ?? 0 <= 65_535 else {
                throw .invalidURI(raw, reason: "the port \(port) is out of range (0–65535)")
            }
        }
        return (host, port)
    }

    /// The query's parameters sorted by name, then value (a missing value first), as percent-encoded bytes;
    /// `nil` when no parameter is left.
    private static func sortedQuery(_ query: Substring) -> String? {
        let parameters = query.split(separator: "&").map { piece -> (name: Substring, value: Substring?) in
            guard let equals = piece.firstIndex(of: "=") else { return (piece, nil) }
            return (piece[..<equals], piece[piece.index(after: equals)...])
        }
        guard !parameters.isEmpty else { return nil }
        return parameters.sorted { lhs, rhs in
            if lhs.name != rhs.name { return lhs.name.utf8.lexicographicallyPrecedes(rhs.name.utf8) }
            switch (lhs.value, rhs.value) {
            case (nil, _): return rhs.value != nil
            case (_, nil): return false
            case (let left?, let right?): return left.utf8.lexicographicallyPrecedes(right.utf8)
            }
        }
        .map { parameter in parameter.value.map { "\(parameter.name)=\($0)" } ?? String(parameter.name) }
        .joined(separator: "&")
    }

    // MARK: Characters (RFC 3986, section 2)

    /// Unreserved and sub-delimiter characters: allowed in every part.
    private static let common = Set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=".utf8)
    private static let pathCharacters = ":@/"
    private static let queryCharacters = ":@/?"

    /// Checks that `part` holds only characters allowed in it and well-formed `%XX` escapes.
    private static func check(
        _ part: Substring, allowing extra: String, in name: String,
        of raw: String
    ) throws(AssetError) {
        let bytes = Array(part.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                let escape = bytes[index..<min(index + 3, bytes.count)]
                guard escape.count == 3, escape.dropFirst().allSatisfy(\.isHexDigit) else {
                    throw .invalidURI(
                        raw,
                        reason: "'\(String(decoding: escape, as: UTF8.self))' in the \(name) is "
                            + "not a percent-encoding: '%' must be followed by two hex digits (write %25 for a literal '%')"
                    )
                }
                index += 3
                continue
            }
            guard common.contains(byte) || extra.utf8.contains(byte) else {
                let shown =
                    (0x21..<0x7F).contains(byte)
                    ? "'\(Character(Unicode.Scalar(byte)))'"
                    : "the control character U+\(hex(byte, width: 4))"
                throw .invalidURI(
                    raw,
                    reason: "the \(name) contains \(shown), which a URI cannot hold there; "
                        + "percent-encode it as %\(hex(byte, width: 2))")
            }
            index += 1
        }
    }

    private static func hex(_ byte: UInt8, width: Int) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
