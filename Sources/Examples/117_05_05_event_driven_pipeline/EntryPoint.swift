import ArgumentParser
import EventideCLI

@main
struct EventDrivenPipelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_05_05_event_driven_pipeline",
        abstract: "117.5.5 Event-Driven Data Pipeline: file arrival → validate → transform → load, with retries, "
            + "dead letters, idempotence and latency per stage.",
        discussion: """
            Creates a landing folder next to the store, watched by InotifyFileTrigger (the landed_files asset). \
            validate_files, transform_orders and load_orders chain through the assets they produce. Four files are \
            dropped one after the other: a good one, one whose load fails --transient-failures times (retried with \
            backoff), a poison one (dead-lettered with its reason), and the first one again (loaded once). The \
            latency from each drop to each stage's asset event is printed, p50 and max per stage.

            A used --db is refused: the story starts from an empty store.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Loads of orders_002.csv that fail before one succeeds (0…3; the load task retries 3 times).")
    var transientFailures = 2

    func validate() throws {
        guard (0...3).contains(transientFailures) else {
            throw ValidationError("--transient-failures must be 0…3, got \(transientFailures)")
        }
    }

    func run() async throws {
        try await options.run(prefix: "event-driven-pipeline") {
            try await EventDrivenPipeline.run(.init(transientFailures: transientFailures), database: $0)
        }
    }
}
