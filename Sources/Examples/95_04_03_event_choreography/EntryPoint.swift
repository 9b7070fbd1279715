import ArgumentParser
import EventideCLI

@main
struct EventChoreographyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_04_03_event_choreography",
        abstract: "95.4.3 Event Choreography: order → payment → inventory → shipping, with no coordinator.",
        discussion: """
            Four service DAGs, each scheduled on the event streams (assets) it listens to, each emitting its own \
            events caused by the one it handled (CloudEvents correlation and causation ids). Three orders: one \
            completes, one is declined by payment (amount above --payment-limit), one finds no stock and the \
            payment service refunds it: a compensation nobody orchestrates. As each event is recorded the example \
            reads every service's state for the order: they disagree while events are in flight, agree at the end. \
            Refuses a --db that already holds events or runs (the narrative starts from an empty store).
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "The payment service declines an order above this amount.") var paymentLimit: Double = 500

    func validate() throws {
        guard paymentLimit > 0 else { throw ValidationError("--payment-limit must be a positive amount") }
    }

    func run() async throws {
        try await options.run(prefix: "choreography") {
            try await EventChoreography.run(.init(paymentLimit: paymentLimit), database: $0)
        }
    }
}
