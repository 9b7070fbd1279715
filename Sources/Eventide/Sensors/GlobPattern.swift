#if canImport(Glibc)
    import Glibc
#endif

/// A shell wildcard pattern (`*`, `?`, `[…]`), matched by the C library's `fnmatch(3)`, as Airflow matches
/// `FileSensor` paths (`glob`) and `S3KeySensor` keys (`fnmatch`).
///
/// ```swift
/// let csv = GlobPattern("/data/in/orders_*.csv")
/// csv.matches("/data/in/orders_1.csv")           // true
/// csv.literalDirectory                            // "/data/in": the folder an inotify watch can cover
/// GlobPattern("landing/2026-*/part-*.csv").literalPrefix   // "landing/2026-": the prefix an S3 listing needs
/// ```
public struct GlobPattern: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String

    public init(_ pattern: String) { self.pattern = pattern }

    public var description: String { pattern }

    static let wildcards: Set<Character> = ["*", "?", "["]

    /// Whether the pattern has any wildcard (else it names one path or key).
    public var hasWildcards: Bool { pattern.contains { Self.wildcards.contains($0) } }

    /// The pattern up to its first wildcard: every match starts with it.
    public var literalPrefix: String { String(pattern.prefix { !Self.wildcards.contains($0) }) }

    /// The folder part of a path pattern when it has no wildcard (`/data/in` for `/data/in/*.csv`), else `nil`:
    /// the one folder in which every match must appear.
    public var literalDirectory: String? {
        guard let slash = pattern.lastIndex(of: "/") else { return nil }
        let directory = String(pattern[..<slash])
        guard !directory.contains(where: { Self.wildcards.contains($0) }) else { return nil }
        return directory.isEmpty ? "/" : directory
    }

    /// Whether `text` matches. `pathname`: a wildcard does not match `/` (glob's rule for paths); without it a
    /// `*` crosses folders (fnmatch's rule for object keys).
    public func matches(_ text: String, pathname: Bool = false) -> Bool {
        #if canImport(Glibc)
            return fnmatch(pattern, text, pathname ? FNM_PATHNAME : 0) == 0
        #else
            return pattern == text
        #endif
    }
}
