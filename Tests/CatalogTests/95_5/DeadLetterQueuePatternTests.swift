import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex95_05_05_dead_letter_queue

@Suite("95.5.5 Dead Letter Queue Pattern", .timeLimit(.minutes(5)))
struct DeadLetterQueuePatternTests {
    typealias Pattern = DeadLetterQueuePattern

    func run(seed: UInt64 = 7, budget: Int = 25) async throws -> Pattern.Outcome {
        try await Pattern.run(.init(seed: seed, naiveBudget: budget), database: TemporaryDatabase.make("95_05_05"))
            .outcome
    }

    @Test("95.5.5/1 what fails for good goes to the DLQ with its event, error, attempts and times; nothing else does")
    func deadLetterForFailures() async throws {
        let outcome = try await run()
        #expect(outcome.firstPass.filter(\.charged).map(\.payment) == ["p-1", "p-2", "p-3", "p-4", "p-8"])
        #expect(outcome.deadLettered.map(\.payment) == ["p-5", "p-6", "p-7"])
        for letter in outcome.deadLettered {
            let sent = try #require(Pattern.bodies.first { Pattern.idInText($0) == letter.payment })
            #expect(letter.body == sent && letter.originalBody == nil && letter.state == .waiting)
            #expect(letter.keepsTimestamps && letter.errorType != nil && !letter.reason.isEmpty)
        }
        #expect(outcome.deadLettered.map(\.errorType) == ["PaymentError", "PaymentError", "DecodingError"])
    }

    @Test("95.5.5/2 after a fix a letter is retried from the DLQ; an edited one is redriven to its queue and charged")
    func retryFromTheQueue() async throws {
        let outcome = try await run()
        #expect(outcome.retriedAfterFix.payment == "p-5" && outcome.retriedAfterFix.state == .redriven)
        #expect(outcome.edited.payment == "p-7" && outcome.edited.state == .redriven)
        #expect(outcome.redriveDestination == "payments" && outcome.chargedAfterRedrive == ["p-7"])
        #expect(outcome.charges["p-5"] == 1 && outcome.charges["p-7"] == 1)
    }

    @Test(
        "95.5.5/3 the error's type chooses the category; only transient failures are retried, backing off with jitter",
        arguments: [7, 42] as [UInt64])
    func errorCategorization(seed: UInt64) async throws {
        let outcome = try await run(seed: seed)
        #expect(outcome.deadLettered.map(\.category) == [.transient, .permanent, .poison])
        #expect(outcome.deadLettered.map(\.attempts) == [4, 1, 1])
        let retried = outcome.firstPass.filter { !$0.retryDelaysMilliseconds.isEmpty }
        #expect(retried.map(\.payment) == ["p-3", "p-5"])
        for fate in retried {
            for (index, delay) in fate.retryDelaysMilliseconds.enumerated() {
                let longest = 20.0 * Double(1 << index)  // 20 ms doubling, jitter takes off up to half
                #expect(delay <= longest && delay >= longest / 2)
            }
        }
        #expect(outcome.firstPass.first { $0.payment == "p-3" }?.attempts == 3)
    }

    @Test("95.5.5/3 the seed changes the jitter, not the outcome")
    func jitterIsSeeded() async throws {
        let (a, b) = (try await run(seed: 7), try await run(seed: 42))
        #expect(a.firstPass.map(\.retryDelaysMilliseconds) != b.firstPass.map(\.retryDelaysMilliseconds))
        #expect(a.charges == b.charges && a.finalLetters.map(\.state) == b.finalLetters.map(\.state))
        #expect(try await run(seed: 7).firstPass == a.firstPass)
    }

    @Test("95.5.5/4 manual intervention: inspect, edit keeping the original event, redrive, discard with a reason")
    func manualIntervention() async throws {
        let outcome = try await run()
        let original = try #require(Pattern.bodies.first { Pattern.idInText($0) == "p-7" })
        #expect(outcome.edited.originalBody == original)
        let edited = try JSONValue.parse(try #require(outcome.edited.body))
        #expect(edited["amount"] == 12 && edited["id"] == "p-7")
        #expect(outcome.discarded.payment == "p-6" && outcome.discarded.state == .discarded)
        #expect(outcome.discardReason?.isEmpty == false)
        #expect(outcome.finalLetters.map(\.state) == [.redriven, .discarded, .redriven])
    }

    @Test("95.5.5/4 eventide-dlq lists, shows, edits, redrives and discards, and refuses bad input with non-zero exits")
    func theTool() async throws {
        let database = try TemporaryDatabase.make("95_05_05_tool")
        let queues = EmbeddedQueue(database: database)
        try await queues.createQueue("payments")
        let letters = DeadLetterQueue(database: database)
        let broken = try await letters.add(
            source: "payments", messageId: "m-1",
            payload: ["queue": "payments", "body": #"{"id":"p-9","amount":"x"}"#, "attributes": [:]],
            reason: "bad amount", attempts: 1, category: .poison, errorType: "DecodingError")
        let other = try await letters.add(source: "payments", messageId: "m-2", payload: ["id": "p-10"], reason: "r")
        let db = ["--db", database.path]
        func tool(_ arguments: [String]) throws -> (status: Int32, stdout: String) {
            let result = try BuiltProduct.run("eventide-dlq", arguments + db)
            return (result.status, result.stdout)
        }
        let list = try tool(["list"])
        #expect(list.status == 0 && list.stdout.split(separator: "\n").count == 2)
        let shown = try tool(["show", "\(broken.id)", "--json"])
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let letter = try decoder.decode(DeadLetter.self, from: Data(shown.stdout.utf8))
        #expect(shown.status == 0 && letter.id == broken.id && letter.category == .poison)
        #expect(try tool(["edit", "\(broken.id)", "--set", #"body={"id":"p-9","amount":9}"#]).status == 0)
        #expect(try tool(["redrive", "\(broken.id)"]).status == 0)
        #expect(try tool(["discard", "\(other.id)", "--reason", "test data"]).status == 0)
        let after = try await letters.list(includingRedriven: true)
        #expect(after.map(\.state) == [.redriven, .discarded])
        #expect(after.first?.originalEvent == broken.payload)
        let sentBack = try #require(try await queues.receive("payments").first)
        #expect(try JSONValue.parse(sentBack.body) == ["id": "p-9", "amount": 9])
        // Bad input: unknown id, a letter no longer waiting, bad JSON, no reason, a missing store.
        for arguments in [
            ["show", "999"], ["discard", "\(broken.id)", "--reason", "x"], ["edit", "\(other.id)", "--payload", "{"],
            ["discard", "\(other.id)"], ["redrive"],
        ] {
            #expect(try tool(arguments).status != 0, "\(arguments)")
        }
        let missing = try TemporaryDatabase.folder("95_05_05_tool").appendingPathComponent("none.sqlite").path
        #expect(try BuiltProduct.run("eventide-dlq", ["list", "--db", missing]).status != 0)
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test("95.5.5/expected failed events handled: every payment charged once or on record; the anti-patterns are not")
    func expectedBehavior() async throws {
        let outcome = try await run(budget: 10)
        #expect(outcome.charges.keys.sorted() == ["p-1", "p-2", "p-3", "p-4", "p-5", "p-7", "p-8"])
        #expect(outcome.charges.values.allSatisfy { $0 == 1 })
        #expect(outcome.lost.isEmpty && outcome.finalLetters.allSatisfy { $0.state != .waiting })
        #expect(outcome.attemptsOnFailing == 6)
        // Retry until it works: every try on the failing payments is wasted, and they still fail.
        #expect(outcome.naiveRetry.attemptsOnFailing == 30 && outcome.naiveRetry.stillFailing == ["p-5", "p-6", "p-7"])
        // Log and drop: four payments lost (p-3's timeouts too), none on record.
        #expect(outcome.naiveDrop.lost == ["p-3", "p-5", "p-6", "p-7"] && outcome.naiveDrop.charged.count == 4)
        // A used store is refused.
        let database = try TemporaryDatabase.make("95_05_05_reuse")
        _ = try await Pattern.run(.init(), database: database)
        await #expect(throws: Pattern.ScenarioError.storeUsed(path: database.path, letters: 3)) {
            try await Pattern.run(.init(), database: database)
        }
        let cli = try ExampleProcess.checkCommandLine(
            "95_05_05_dead_letter_queue", item: "95.5.5", badArguments: ["--naive-budget", "1"],
            expectInError: "--naive-budget")
        let charges = try #require(cli["charges"] as? [String: Int])
        #expect(charges.count == 7)
    }
}
