import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A regular file that matched a sensor's pattern: its path, size and modification time.
public struct FileMatch: Sendable, Hashable, Codable {
    public var path: String
    public var size: Int
    public var modifiedAt: Date

    public init(path: String, size: Int, modifiedAt: Date) {
        self.path = path
        self.size = size
        self.modifiedAt = modifiedAt
    }

    /// The file at `path` if it is a regular file (folders and missing paths give `nil`).
    public init?(path: String) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            (attributes[.type] as? FileAttributeType) == .typeRegular
        else { return nil }
        self.init(
            path: path, size: (attributes[.size] as? NSNumber)?.intValue ?? 0,
            modifiedAt: (attributes[.modificationDate] as? Date) ?? .distantPast)
    }

    /// The regular files that match `pattern` now, in path order (the C library's `glob(3)`: a wildcard does not
    /// match `/` nor a leading `.`).
    public static func matching(_ pattern: GlobPattern) -> [FileMatch] {
        #if canImport(Glibc)
            var found = glob_t()
            defer { globfree(&found) }
            guard glob(pattern.pattern, 0, nil, &found) == 0 else { return [] }
            return (0..<Int(found.gl_pathc)).compactMap { index in
                found.gl_pathv[index].flatMap { FileMatch(path: String(cString: $0)) }
            }
        #else
            return FileMatch(path: pattern.pattern).map { [$0] } ?? []
        #endif
    }

    public var payload: JSONValue {
        [
            "path": .string(path), "size": .number(Double(size)),
            "modified_at": .string(EventTime.format(modifiedAt)),
        ]
    }

    /// Identifies this version of the file: a rewritten file is a new message.
    var messageId: String { "\(path):\(size):\(Int64(modifiedAt.timeIntervalSince1970 * 1_000_000))" }
}
