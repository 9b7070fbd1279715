import ArgumentParser
import EventideCLI

@main
struct WebhookWatcherCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_03_04_webhook_watcher",
        abstract: "117.3.4 Webhook event watcher: signed deliveries to POST /webhooks/{source} become asset events.",
        discussion: """
            Starts an HTTP server on 127.0.0.1 (a free port) with two webhook sources, github (X-Hub-Signature-256) \
            and stripe (Stripe-Signature with a timestamp), and sends it real requests: a push and a payment, the push \
            replayed, then a forged signature, no signature, a stale timestamp, malformed JSON, a push without its \
            ref, a 100 KiB body and an unknown source. Each answer is printed as received, with the store's counts: \
            accepted deliveries (202) run their consumer DAG, the replay is answered 200 with the first event, and \
            nothing is recorded for a refusal.

            Secrets come from GITHUB_WEBHOOK_SECRETS and STRIPE_WEBHOOK_SECRETS (comma-separated while rotating, the \
            new one first); an unset variable gets a random secret for this run. Values are never printed.

            A reused --db is refused: delivery ids recorded by an earlier run would answer as replays. Pass a new \
            file, or omit --db for a temporary one.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Seconds a Stripe timestamp may be from the receiver's clock (1…3600).") var tolerance = 300

    func validate() throws {
        guard (1...3_600).contains(tolerance) else {
            throw ValidationError("--tolerance must be 1…3600 seconds, got \(tolerance)")
        }
    }

    func run() async throws {
        try await options.run(prefix: "webhook-watcher") {
            try await WebhookWatcher.run(.init(tolerance: .seconds(tolerance)), database: $0)
        }
    }
}
