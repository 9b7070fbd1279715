import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the repository's own scripts from tests (`scripts/servers up tansu`, `scripts/servers admin postgres
/// crash`): fault-injection tests restart or crash the servers those scripts manage.
///
/// The script is spawned with posix_spawn and awaited with waitpid, its output going to a log file: a script that
/// leaves a server running in the background keeps inherited pipes open, so Foundation's `Process` (which reads
/// them to the end) would never return.
public enum RepositoryScript {
    /// The package root: this file is Sources/EventideTesting/RepositoryScript.swift.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    public struct Failed: Error, CustomStringConvertible {
        public let command: String
        public let status: Int32
        public let output: String
        public var description: String { "\(command) exited with status \(status): \(output)" }

        public init(command: String, status: Int32, output: String) {
            self.command = command
            self.status = status
            self.output = output
        }
    }

    /// Runs `scripts/servers ARGUMENTS` and returns once it exited; throws `Failed` (with the script's output,
    /// kept in `.build/servers/<log>.log`) on a non-zero status.
    public static func servers(_ arguments: [String], log name: String) async throws {
        try await run(
            root.appendingPathComponent("scripts/servers").path, arguments,
            log: root.appendingPathComponent(".build/servers/\(name).log").path)
    }

    /// Runs an executable with stdin from /dev/null, stdout and stderr into `log`, and no other file descriptor
    /// of this process.
    public static func run(_ executable: String, _ arguments: [String], log: String) async throws {
        let command = ([executable] + arguments).joined(separator: " ")
        let status = try await Task.detached { () throws -> Int32 in
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
            // Nothing else of the test process (its sockets, the test runner's pipes) must live on in a server
            // the script starts in the background. (glibc's posix_spawn_file_actions_addclosefrom_np is hidden
            // from Swift behind _GNU_SOURCE, hence the lookup).
            if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
                typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
                _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
            }
            let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
            defer { for pointer in argv { free(pointer) } }
            var pid: pid_t = 0
            let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
            guard spawned == 0 else {
                throw Failed(
                    command: command, status: spawned,
                    output: "posix_spawn failed: \(String(cString: strerror(spawned)))")
            }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            return status
        }.value
        guard status == 0 else {
            throw Failed(
                command: command, status: status, output: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        }
    }
}
