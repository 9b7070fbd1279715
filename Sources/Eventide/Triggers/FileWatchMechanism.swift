/// How an `InotifyFileTrigger` watches: woken by the kernel (inotify on the pattern's folder), or polling the
/// pattern on the clock, with the reason inotify could not be used.
public enum FileWatchMechanism: Sendable, Hashable, Codable, CustomStringConvertible {
    case inotify(directory: String)
    case polling(Fallback)

    /// Why a file trigger polls instead of waiting on inotify.
    public enum Fallback: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The folder part of the pattern has a wildcard: no single folder to watch.
        case wildcardInDirectory(pattern: String)
        /// The folder does not exist (yet): inotify watches only existing folders.
        case directoryMissing(String)
        /// `inotify_init1` or `inotify_add_watch` failed (e.g. the watch limit), with the C library's reason.
        case inotifyFailed(reason: String)
        /// Not Linux.
        case inotifyUnsupported

        public var description: String {
            switch self {
            case .wildcardInDirectory(let pattern): "the folder part of \(pattern) has a wildcard"
            case .directoryMissing(let directory): "the folder \(directory) does not exist"
            case .inotifyFailed(let reason): "inotify failed: \(reason)"
            case .inotifyUnsupported: "inotify needs Linux"
            }
        }
    }

    public var description: String {
        switch self {
        case .inotify(let directory): "inotify on \(directory)"
        case .polling(let fallback): "polling (\(fallback))"
        }
    }

    /// The name of the mechanism alone: `inotify` or `polling`.
    public var name: String {
        switch self {
        case .inotify: "inotify"
        case .polling: "polling"
        }
    }
}
