import ArgumentParser
import EventideCLI
import Foundation

@main
struct SagaPatternCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_04_04_saga_pattern",
        abstract: "95.4.4 Saga Pattern: a coordinator DAG books a trip; a failure undoes the booked steps in reverse.",
        discussion: """
            The saga trip-1 books flight → hotel → car → payment, each step with a compensation (cancel, refund). \
            By default the payment is declined: watch the compensations run as they happen, car, hotel, flight. \
            --fail-at none books everything; --hang-at makes a service stop answering (its timeout fires and the \
            step is compensated too); --fail-compensation makes one compensation fail: retried with backoff, then \
            parked for a person. --crash-at runs the saga in a child process that SIGKILLs itself inside that step \
            (after the service applied the effect, before the coordinator recorded it) and resumes it here. \
            Resumes: a --db holding an unfinished saga is resumed where it stopped; one whose saga ended is refused.
            """)

    enum Step: String, ExpressibleByArgument, CaseIterable { case flight, hotel, car, payment }
    enum FailPoint: String, ExpressibleByArgument, CaseIterable { case none, flight, hotel, car, payment }
    enum Phase: String, ExpressibleByArgument, CaseIterable { case action, compensation }

    @OptionGroup var options: ExampleOptions
    @Option(help: "The step whose service declines the booking (none: every step succeeds).")
    var failAt: FailPoint = .payment
    @Option(help: "The step whose service books, then stops answering until the step's timeout fires.")
    var hangAt: Step?
    @Option(help: "The step whose compensation keeps failing (retried with backoff, then parked).")
    var failCompensation: Step?
    @Option(help: "Run the saga in a child process SIGKILLed inside this step, then resume it here.")
    var crashAt: Step?
    @Option(help: "Where in --crash-at's step the kill happens: action or compensation.")
    var crashDuring: Phase = .action
    @Option(help: "Each step attempt's timeout, in milliseconds.")
    var timeoutMs: Int = 2000
    @Flag(help: .hidden) var crashSelf = false

    var scenario: SagaPattern.Configuration {
        var configuration = SagaPattern.Configuration()
        configuration.failAt = failAt == .none ? nil : failAt.rawValue
        configuration.hangAt = hangAt?.rawValue
        configuration.failingCompensation = failCompensation?.rawValue
        configuration.crashAt = crashAt?.rawValue
        configuration.crashDuring = crashDuring == .action ? .action : .compensation
        configuration.crashSelf = crashSelf
        configuration.stepTimeout = .milliseconds(timeoutMs)
        configuration.executable = Bundle.main.executableURL
        return configuration
    }

    func validate() throws {
        guard timeoutMs > 0 else { throw ValidationError("--timeout-ms must be a positive number of milliseconds") }
        if let problem = scenario.unreachableFault { throw ValidationError(problem) }
    }

    func run() async throws {
        try await options.run(prefix: "saga") { try await SagaPattern.run(scenario, database: $0) }
    }
}
