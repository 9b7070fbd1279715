import Foundation

/// Finds an executable product built beside the test binary (tests run child processes: the crash test's
/// writer, the examples themselves).
public enum BuiltProduct {
    public static func url(named name: String) throws -> URL {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let candidates = [
            testBinary.deletingLastPathComponent().appendingPathComponent(name),
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(
                ".build/debug/\(name)"),
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw NotBuilt(name: name, looked: candidates.map(\.path))
        }
        return found
    }

    public struct NotBuilt: Error, CustomStringConvertible {
        public let name: String
        public let looked: [String]
        public var description: String {
            "product \(name) is not built (looked at \(looked.joined(separator: ", "))); run swift build first."
        }
    }

    /// Runs a product to completion and returns its exit status, standard output and standard error.
    public static func run(_ name: String, _ arguments: [String]) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        let process = Process()
        process.executableURL = try url(named: name)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self)
        )
    }
}
