import ArgumentParser
import EventideCLI

@main
struct HttpEndpointEventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_03_03_http_endpoint_events",
        abstract: "95.3.3 HTTP Endpoint Events: HttpSensor waits for an API's readiness, validates the answer with a "
            + "response check, defers to a trigger, and compares timeout strategies.",
        discussion: """
            Starts a pricing service's health endpoint on 127.0.0.1 (a free port). sync_when_up's HttpSensor pokes \
            it before it listens (refused, retried), then while it answers 503 starting and 200 warming \
            (--ready-after-requests answers), until 200 ok with a version, which sync_catalog receives. A stale \
            token gets 401, which the response check marks fatal: the sensor fails at once. The deferrable sensor \
            waits in the triggerer holding no worker slot. Then four strategies wait for a service ready \
            --ready-after-ms past its first request: a tight loop (the anti-pattern), a fixed interval, \
            exponential backoff with max_wait, an overall deadline; each prints requests sent and time to detect.

            A used --db is refused: the story starts from an empty store.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Answers before the service is ready (2…20).") var readyAfterRequests = 4
    @Option(help: "For the strategies: the service is ready this many ms after its first request (200…10000).")
    var readyAfterMs = 3_000
    @Option(help: "Poke interval in milliseconds (10…1000).") var pokeInterval = 100

    func validate() throws {
        guard (2...20).contains(readyAfterRequests) else {
            throw ValidationError("--ready-after-requests must be 2…20, got \(readyAfterRequests)")
        }
        guard (200...10_000).contains(readyAfterMs) else {
            throw ValidationError("--ready-after-ms must be 200…10000, got \(readyAfterMs)")
        }
        guard (10...1000).contains(pokeInterval) else {
            throw ValidationError("--poke-interval must be 10…1000, got \(pokeInterval)")
        }
    }

    func run() async throws {
        try await options.run(prefix: "http-endpoint-events") {
            try await HttpEndpointEvents.run(
                .init(
                    readyAfterRequests: readyAfterRequests, readyAfter: .milliseconds(readyAfterMs),
                    pokeInterval: .milliseconds(pokeInterval)),
                database: $0)
        }
    }
}
