import ArgumentParser
import EventideCLI

@main
struct WebhookWorkflowsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_10_04_webhook_workflows",
        abstract: "117.10.4 Webhook-driven workflows: GitHub deliveries routed to workflows by event type, once each.",
        discussion: """
            Starts an HTTP server on 127.0.0.1 (a free port) and plays GitHub against it: a ping, pushes and pull \
            requests to POST /webhooks/github, signed with X-Hub-Signature-256. Each accepted delivery is one asset \
            event; route_github_event hands it to ci_build (push) or pr_checks (pull_request). A delivery is \
            redelivered with the same X-GitHub-Delivery, another is sent --copies times at once: each runs its \
            workflow once. Mid-run the secret is rotated (both secrets verify, then the original is retired), and two \
            deliveries are refused for their payload. Every answer is printed as received; at the end, per delivery \
            id, the answers, events and runs.

            The original secret comes from GITHUB_WEBHOOK_SECRETS (a random one when unset); the rotated one is \
            generated. Values are never printed.

            A reused --db is refused: delivery ids recorded by an earlier run would answer as redeliveries. Pass a new \
            file, or omit --db for a temporary one.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Copies of one delivery sent at once (2…16).") var copies = 3

    func validate() throws {
        guard (2...16).contains(copies) else { throw ValidationError("--copies must be 2…16, got \(copies)") }
    }

    func run() async throws {
        try await options.run(prefix: "webhook-workflows") {
            try await WebhookWorkflows.run(.init(parallelCopies: copies), database: $0)
        }
    }
}
