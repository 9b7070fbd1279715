import EventideTesting
import Foundation
import Testing

/// Runs an item's built executable the way a user does, for the tests of `--help`, `--json` and bad input.
enum ExampleProcess {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String

        /// The `--json` report, parsed.
        func json() throws -> [String: Any] {
            let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
            return try #require(object as? [String: Any])
        }
    }

    static func run(_ product: String, _ arguments: [String] = []) throws -> Result {
        let result = try BuiltProduct.run(product, arguments)
        return Result(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }

    /// Checks the three things every example promises on its command line: `--help` documents it, `--json`
    /// prints a report for the item with a non-empty timeline, and `badArguments` exit non-zero with a message.
    static func checkCommandLine(
        _ product: String, item: String, badArguments: [String],
        expectInError: String
    ) throws -> [String: Any] {
        let help = try run(product, ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE") && help.stdout.contains("--json"))

        let bad = try run(product, badArguments)
        #expect(bad.status != 0, "bad arguments \(badArguments) must fail")
        #expect(bad.stderr.contains(expectInError), "stderr: \(bad.stderr)")

        let good = try run(product, ["--json"])
        #expect(good.status == 0, "stderr: \(good.stderr)")
        let report = try good.json()
        #expect(report["item"] as? String == item)
        #expect(((report["timeline"] as? [Any])?.count ?? 0) > 0)
        return try #require(report["outcome"] as? [String: Any])
    }
}
