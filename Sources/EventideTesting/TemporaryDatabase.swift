import Eventide
import Foundation

/// Fresh databases and folders for tests, each in its own folder.
///
/// Every folder a test process asks for sits in one parent folder per process (`eventide-tests-<pid>` in the
/// system temporary folder), which is removed when the process exits; see ``Root``. Tests need no clean-up code:
/// ```swift
/// let scheduler = Scheduler(database: try TemporaryDatabase.make("scheduler"))
/// let landing = try TemporaryDatabase.folder("landing")
/// ```
public enum TemporaryDatabase {
    /// A new, empty database in a folder of its own (`<name>-<8 hex>/eventide.sqlite` under the process's root).
    public static func make(_ name: String = "test") throws -> EventideDatabase {
        try EventideDatabase(path: folder(name).appendingPathComponent("eventide.sqlite").path)
    }

    /// A new, empty folder (`<name>-<8 hex>` under the process's root).
    public static func folder(_ name: String = "test") throws(FolderError) -> URL {
        let url = try Root.shared.get().appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))")
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw .cannotCreate(path: url.path, reason: "\(error)")
        }
        return url
    }
}
