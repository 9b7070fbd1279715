import Eventide
import Foundation

/// Fresh databases and folders for tests, each in its own temporary folder.
public enum TemporaryDatabase {
    public static func make(_ name: String = "test") throws -> EventideDatabase {
        try EventideDatabase.temporary(prefix: "eventide-\(name)")
    }

    public static func folder(_ name: String = "test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("eventide-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
