import ArgumentParser
import EventideCLI

@main
struct CustomEventSensorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_03_05_custom_event_sensors",
        abstract: "95.3.5 Custom Event Sensors: a user-written Sensor (poke), its deferrable form with a custom "
            + "Trigger, event payload extraction, and what each sensor mode costs in worker slots.",
        discussion: """
            A carrier publishes shipment events to the embedded log. ShipmentDeliveredSensor waits for the \
            delivery of its run's order (poke mode, then deferrable with ShipmentDeliveredTrigger) and returns \
            the extracted delivery, which notify_customer receives; a delivery without signature fails the sensor \
            at once. Then --sensors sensors in each mode wait on --slots worker slots while another DAG's task \
            arrives. A used --db is refused: the story starts from an empty store.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Sensors in each mode's fleet (more than --slots).") var sensors = 12
    @Option(help: "Worker slots of the executor.") var slots = 4
    @Option(help: "Poke interval in milliseconds.") var pokeInterval = 100

    func validate() throws {
        guard slots >= 1, sensors > slots else { throw ValidationError("--sensors must exceed --slots (at least 1)") }
        guard pokeInterval >= 10 else { throw ValidationError("--poke-interval must be at least 10 ms") }
    }

    func run() async throws {
        try await options.run(prefix: "custom-event-sensors") {
            try await CustomEventSensors.run(
                .init(sensors: sensors, slots: slots, pokeInterval: .milliseconds(pokeInterval)), database: $0)
        }
    }
}
