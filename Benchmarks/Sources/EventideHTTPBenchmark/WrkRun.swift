import ArgumentParser
import Foundation

/// One wrk run against a URL: `connections` keep-alive connections on one wrk thread, stopped after `requests`
/// answers or `seconds`, whichever comes first. A generated Lua script sets the method, the body and the bearer
/// token, counts the answers (stopping at the bound) and prints the summary in one line this parses.
struct WrkRun: Sendable {
    let wrk: String
    let url: String
    let connections: Int
    let requests: Int
    let seconds: Double
    let body: String?
    let token: String?

    struct Outcome: Sendable {
        /// Answers with a 2xx status.
        let succeeded: Int
        let rate: Double
    }

    func run() async throws -> Outcome {
        let script = FileManager.default.temporaryDirectory
            .appendingPathComponent("eventide-wrk-\(UUID().uuidString.prefix(8)).lua")
        try luaScript.write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        let output = try await Self.runProcess(
            wrk,
            arguments: [
                "-t", "1", "-c", "\(connections)", "-d", "\(max(1, Int(seconds.rounded(.up))))s", "--timeout", "30s",
                "-s", script.path, url,
            ])
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("EVENTIDE ") }) else {
            throw ValidationError("wrk printed no summary:\n\(output)")
        }
        let fields = line.split(separator: " ").dropFirst().compactMap { Int($0) }
        guard fields.count == 5 else { throw ValidationError("wrk's summary is malformed: \(line)") }
        let (answers, micros, failedStatus, socketErrors, timeouts) = (
            fields[0], fields[1], fields[2], fields[3], fields[4]
        )
        guard failedStatus == 0, socketErrors == 0, timeouts == 0 else {
            throw ValidationError(
                "\(url): \(failedStatus) answers were not 2xx, \(socketErrors) socket errors, \(timeouts) timeouts")
        }
        return Outcome(succeeded: answers, rate: Double(answers) / (Double(max(micros, 1)) / 1e6))
    }

    /// The script: POST with the body and JSON content type when there is a body, the bearer token when there is
    /// one; each answer not 2xx counted; the thread stopped after `requests` answers.
    var luaScript: String {
        var lines = [
            // Globals: each wrk thread has its own Lua state, and done() reads the counts through thread:get.
            "answered, failed = 0, 0",
            "local limit = \(requests)",
            "local threads = {}",
            "function setup(thread) table.insert(threads, thread) end",
        ]
        if let body {
            lines += [
                #"wrk.method = "POST""#, "wrk.body = \(Self.luaString(body))",
                #"wrk.headers["Content-Type"] = "application/json""#,
            ]
        }
        if let token { lines.append(#"wrk.headers["Authorization"] = "# + Self.luaString("Bearer \(token)")) }
        lines += [
            "function response(status, headers, body)",
            "  answered = answered + 1",
            "  if status < 200 or status > 299 then failed = failed + 1 end",
            "  if answered >= limit then wrk.thread:stop() end",
            "end",
            "function done(summary, latency, requests)",
            "  local e, failed = summary.errors, 0",
            "  for _, thread in ipairs(threads) do failed = failed + thread:get(\"failed\") end",
            #"  io.write(string.format("EVENTIDE %d %d %d %d %d\n", summary.requests, summary.duration,"#,
            "    e.status + failed, e.connect + e.read + e.write, e.timeout))",
            "end",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    static func luaString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Runs a program to its end and returns what it printed (stdout and stderr); a non-zero exit is an error.
    static func runProcess(_ path: String, arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard status == 0 else { throw ValidationError("\(path) exited with \(status):\n\(output)") }
        return output
    }
}
