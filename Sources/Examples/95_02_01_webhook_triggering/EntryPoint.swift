import ArgumentParser
import EventideCLI

@main
struct WebhookTriggeringCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_02_01_webhook_triggering",
        abstract: "95.2.1 Webhook-Based Triggering: a webhook triggers a DAG with conf through Airflow's REST API.",
        discussion: """
            Starts Airflow's REST API v2 (EventideHTTP) on 127.0.0.1 and a free port with the orchestrator running. \
            A shop's webhook logs in (POST /auth/token) and triggers fulfil_order with the order as conf (POST \
            /api/v2/dags/fulfil_order/dagRuns); the run executes and its tasks read the conf. Then the requests the \
            API refuses: no token (401), a viewer's token (403), a bad body (422), the same run id (409), an unknown \
            DAG (404). Every answer is printed as the server sent it (the access token shortened). The secrets are \
            made fresh for each run. A --db that an earlier run filled is refused (the story starts from an empty \
            store).
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "The order id the webhook carries (letters, digits, _.~:+-).") var orderId = "A-1001"
    @Option(help: "The order amount the webhook carries.") var amount = 249.9

    func validate() throws {
        guard orderId.wholeMatch(of: /[A-Za-z0-9_.~:+\-]+/) != nil else {
            throw ValidationError("--order-id must be letters, digits and _.~:+- (it becomes part of the run id)")
        }
        guard amount > 0, amount.isFinite else { throw ValidationError("--amount must be a positive number") }
    }

    func run() async throws {
        try await options.run(prefix: "webhook-triggering") {
            try await WebhookTriggering.run(.init(orderId: orderId, amount: amount), database: $0)
        }
    }
}
