import ArgumentParser
import EventideCLI

@main
struct ExternalTaskSensorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_03_01_external_task_sensor",
        abstract: "95.3.1 External Task Sensor Events: reports that wait for another DAG's run, task or task group "
            + "at an aligned logical date, and what a failed or missing upstream does.",
        discussion: """
            load_orders runs at fixed logical dates; report DAGs wait for it with ExternalTaskSensor: the same date \
            (poke and deferrable), one hour earlier (execution_delta, reschedule), today and yesterday's quality \
            task group (execution_date_fn). A failed load fails strict_report at once (failed_states) while \
            patient_report waits out its timeout. An asset-triggered run has no logical date and its sensor \
            fails. A used --db is refused: the story starts from an empty store.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Poke interval in milliseconds.") var pokeInterval = 50
    @Option(help: "Timeout of patient_report in milliseconds.") var patientTimeout = 500

    func validate() throws {
        guard pokeInterval >= 10 else { throw ValidationError("--poke-interval must be at least 10 ms") }
        guard patientTimeout >= pokeInterval else {
            throw ValidationError("--patient-timeout must be at least --poke-interval")
        }
    }

    func run() async throws {
        try await options.run(prefix: "external-task-sensor") {
            try await ExternalTaskSensorExample.run(
                .init(pokeInterval: .milliseconds(pokeInterval), patientTimeout: .milliseconds(patientTimeout)),
                database: $0)
        }
    }
}
