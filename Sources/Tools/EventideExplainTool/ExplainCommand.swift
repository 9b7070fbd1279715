import ArgumentParser
import Eventide
import Foundation

/// `eventide-explain --db <path> (--event <id> | --dag <dag_id>) [--json]`: why an asset event did or did not
/// trigger the DAGs scheduled on its asset, or why a DAG has not run, read from a store after the fact.
@main
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventide-explain",
        abstract: "Explains why an asset event did or did not trigger a DAG, from a store.",
        discussion: """
            --event <id>: every DAG that schedules on the event's asset (directly, via an alias, via a reference), \
            whether the event was queued for it, the run that consumed it, or why none did: the condition still \
            awaits another asset, the DAG is paused, at its active-run limit, or waiting for its timetable; plus the \
            event's correlation and causation ids when a LineageTracker recorded them.
            --dag <dag_id>: the DAG's condition over the events queued for it, what it still awaits, pause, active \
            runs against its limit, and its latest runs with the events each consumed.
            The store is only read (opening it applies the migrations it lacks, as every tool does).
            """)

    @Option(help: "The store (an example's --db file).") var db: String
    @Option(help: "An asset event id.") var event: Int64?
    @Option(help: "A DAG id.") var dag: String?
    @Flag(help: "Print the explanation as JSON.") var json = false

    func validate() throws {
        guard (event == nil) != (dag == nil) else { throw ValidationError("pass exactly one of --event or --dag") }
        if let event, event < 1 { throw ValidationError("--event must be a positive asset event id, got \(event)") }
        guard FileManager.default.fileExists(atPath: db) else { throw ValidationError("no store at \(db)") }
    }

    func run() throws {
        let explainer = LineageExplainer(database: try EventideDatabase(path: db))
        do {
            if let event {
                let explanation = try explainer.explain(event: event)
                try output(explanation, text: ExplanationText.lines(explanation))
            } else if let dag {
                let explanation = try explainer.explain(dag: dag)
                try output(explanation, text: ExplanationText.lines(explanation))
            }
        } catch let error as LineageError {
            throw ValidationError(error.description)
        }
    }

    private func output(_ value: some Encodable, text: [String]) throws {
        guard json else { return print(text.joined(separator: "\n")) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
