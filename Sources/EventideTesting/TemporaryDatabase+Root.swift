import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension TemporaryDatabase {
    /// The one folder that holds a test process's temporary databases and folders: `eventide-tests-<pid>` in the
    /// system temporary folder (`TMPDIR`).
    ///
    /// Created on first use, and removed with everything in it when the process exits normally (an `atexit`
    /// handler; both the XCTest and the swift-testing runner end with `exit`). A process that crashes or is killed
    /// cannot clean up, so creating a root also removes the roots of processes that no longer run.
    enum Root {
        static let prefix = "eventide-tests-"

        /// Created once per process; a failure is kept and thrown to every caller.
        static let shared: Result<URL, FolderError> = create()

        private static func create() -> Result<URL, FolderError> {
            let temporary = FileManager.default.temporaryDirectory
            removeAbandoned(in: temporary)
            let url = temporary.appendingPathComponent("\(prefix)\(getpid())")
            do {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            } catch {
                return .failure(.cannotCreate(path: url.path, reason: "\(error)"))
            }
            atexit { TemporaryDatabase.Root.removeAtExit() }
            return .success(url)
        }

        /// Runs at process exit: removes this process's root. Databases may still be open; on Linux and macOS
        /// removing an open file only unlinks it.
        private static func removeAtExit() {
            guard case .success(let url) = shared else { return }
            try? FileManager.default.removeItem(at: url)
        }

        /// Removes the roots left by test processes that have exited without cleaning up (crashed or killed).
        /// A root is left alone while its process runs, and when it changed in the last ten minutes (a process
        /// id can be reused; a root just created by a process we cannot see is not ours to remove).
        private static func removeAbandoned(in temporary: URL) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
            for name in names where name.hasPrefix(prefix) {
                guard let pid = pid_t(name.dropFirst(prefix.count)), pid != getpid(), !isRunning(pid) else { continue }
                let url = temporary.appendingPathComponent(name)
                let modified = (try? url.resourceValues(forKeys: [.contentModificationDateKey]))?
                    .contentModificationDate
                guard let modified, modified < Date(timeIntervalSinceNow: -600) else { continue }
                try? FileManager.default.removeItem(at: url)
            }
        }

        /// Whether a process with this id exists (`kill` with signal 0 sends nothing; `EPERM` means it exists but
        /// belongs to another user).
        private static func isRunning(_ pid: pid_t) -> Bool {
            kill(pid, 0) == 0 || errno == EPERM
        }
    }
}
