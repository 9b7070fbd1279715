import Eventide
import EventideTesting
import Foundation
import Testing

@testable import EventideHTTP

/// schemathesis (PyPI, installed by scripts/setup) against the API served on 127.0.0.1: it reads /openapi.json,
/// generates requests for every operation (valid and invalid ones) with a bounded number of examples, sends them
/// with an op user's token, and checks that no answer is a 5xx and that every answer matches the document. Skipped
/// with the reason when schemathesis is not installed, unless `CI` is set (then it fails).
@Suite(.timeLimit(.minutes(3)))
struct OpenAPIConformanceTests {
    static let schemathesis: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map {
            URL(fileURLWithPath: String($0)).appendingPathComponent("schemathesis")
        }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()
    static let inCI = ProcessInfo.processInfo.environment["CI"] != nil

    @Test(
        .enabled(
            if: schemathesis != nil || inCI,
            "schemathesis is not installed (scripts/setup installs it: pip install schemathesis)"))
    func schemathesisFindsNoServerErrorAndNoAnswerOutsideTheDocument() async throws {
        let executable = try #require(Self.schemathesis, "schemathesis is not installed, and CI is set")
        let fixture = try await APIFixture.make("openapi-schemathesis")
        // Something to read: a run of each kind, a queued event, an asset event with its created run.
        try await fixture.scheduler.triggerRun("etl", runId: "seeded")
        try await fixture.scheduler.recordAssetEvent(fixture.orders.key, source: .api(messageId: nil))
        let token = try await fixture.token("alice")
        let junit = try TemporaryDatabase.folder("schemathesis").appendingPathComponent("junit.xml")
        let result = try await EventideHTTPServer(components: [fixture.api]).withRunning { running in
            try await Subprocess.run(
                executable,
                [
                    "run", running.baseURL + "/openapi.json",
                    "--checks", "not_a_server_error,response_schema_conformance",
                    "--phases", "examples,coverage,fuzzing", "--max-examples", "25", "--seed", "20261130",
                    // One worker: with threads, CPython 3.11.7's ast module can raise a spurious "AST constructor
                    // recursion depth mismatch" inside hypothesis (python/cpython#106905), failing the run.
                    "--workers", "1", "--request-timeout", "10", "--header", "Authorization: Bearer \(token)",
                    "--report", "junit", "--report-junit-path", junit.path,
                ], timeLimit: .seconds(120))
        }
        #expect(!result.timedOut, "schemathesis did not finish in time:\n\(result.output.suffix(4000))")
        #expect(result.status == 0, "schemathesis found problems:\n\(result.output.suffix(8000))")
        // It exercised every operation of the document (it leaves out the document's own URL).
        let report = try String(contentsOf: junit, encoding: .utf8)
        let tested = Set(report.matches(of: /testcase name="([A-Z]+) ([^"]+)"/).map { "\($0.1) \($0.2)" })
        let documented = Set(OpenAPIDocument.operations.map(\.description)).subtracting(["GET /openapi.json"])
        #expect(tested == documented)
    }
}

/// A child process with a time limit, its output (stdout and stderr together) read from a file.
enum Subprocess {
    struct Result: Sendable {
        let status: Int32
        let output: String
        let timedOut: Bool
    }

    static func run(_ executable: URL, _ arguments: [String], timeLimit: Duration) async throws -> Result {
        let folder = try TemporaryDatabase.folder("subprocess")
        let log = folder.appendingPathComponent("output.txt")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = folder  // what the child writes beside it (caches, reports) stays out of the tree
        process.standardOutput = handle
        process.standardError = handle
        let (exits, exited) = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = { exited.yield($0.terminationStatus) }
        try process.run()
        let timedOut = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in exits { return false }
                return false
            }
            group.addTask {
                try await Task.sleep(for: timeLimit)
                return true
            }
            let first = try await group.next() ?? false
            if first {
                process.terminate()
                process.waitUntilExit()
            }
            group.cancelAll()
            return first
        }
        process.waitUntilExit()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, output: output, timedOut: timedOut)
    }
}
