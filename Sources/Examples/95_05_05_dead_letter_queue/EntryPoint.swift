import ArgumentParser
import EventideCLI

@main
struct DeadLetterQueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_05_05_dead_letter_queue",
        abstract: "95.5.5 Dead Letter Queue Pattern: categorised failures, retries with backoff, fix and redrive.",
        discussion: """
            Eight payments are consumed from an embedded queue. A failure's category comes from its error's type: \
            transient (a gateway timeout) is retried with exponential backoff and jitter (--seed), permanent (an \
            unsupported currency) and poison (a body that does not decode) go to the dead-letter queue at once. \
            Then an operator does what eventide-dlq does: lists the letters, retries p-5 after the gateway is \
            restored, edits and redrives p-7, discards p-6 with a reason. The same payments then go through two \
            anti-patterns: retry until it works (stopped after --naive-budget tries each) and log and drop. \
            A --db used by an earlier run (dead letters or a payments queue in it) is refused: the example \
            narrates from an empty store. Keep the store (--keep) to try eventide-dlq on it.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Seed for the jitter of the retry delays.") var seed: UInt64 = 7
    @Option(help: "Tries per payment before the example stops the naive retry loop (at least 2).")
    var naiveBudget = 25

    func validate() throws {
        guard naiveBudget >= 2 else { throw ValidationError("--naive-budget must be at least 2.") }
    }

    func run() async throws {
        try await options.run(prefix: "dead-letter-queue") {
            try await DeadLetterQueuePattern.run(.init(seed: seed, naiveBudget: naiveBudget), database: $0)
        }
    }
}
