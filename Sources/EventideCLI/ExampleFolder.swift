import Eventide
import Foundation

extension EventideDatabase {
    /// A folder beside the database file, created if needed, emptied if `fresh`: examples keep the files they
    /// write (landing zones, exports) next to their store, so `--db` decides where everything goes.
    public func folder(_ name: String, fresh: Bool = true) throws -> URL {
        let url = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(name)
        if fresh, FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
