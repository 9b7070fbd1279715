import Eventide
import EventideCLI
import EventideHTTP
import EventideHTTPCLI
import Foundation

/// Drives `WebhookTriggering.swift`: starts the API on 127.0.0.1 with the orchestrator running, sends a webhook
/// the way an Airflow client does (log in, trigger with conf), lets the run execute, then sends the requests the
/// API must refuse. Every answer is recorded as the server sent it.
extension WebhookTriggering {
    static let item = "95.2.1"
    static let title = "Webhook-Based Triggering"

    struct Configuration: Sendable {
        /// The order the webhook carries; the run id is `order-<id>`.
        var orderId = "A-1001"
        var amount = 249.9
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        /// The order id cannot be part of a run id (letters, digits, `_.~:+-`).
        case invalidOrderId(String)
        /// A login the scenario needs was refused.
        case loginRefused(user: String, status: Int)

        var description: String {
            switch self {
            case .invalidOrderId(let id):
                "--order-id \(id.debugDescription) cannot be part of a run id: use letters, digits and _.~:+-"
            case .loginRefused(let user, let status):
                "the API refused to log in \(user) (HTTP \(status)); check the configured users"
            }
        }
    }

    /// The requests the scenario sends, in order.
    enum Step: String, Codable, Sendable, CaseIterable {
        case login, trigger, readRun = "read_run", noToken = "no_token", viewerLogin = "viewer_login"
        case viewerTrigger = "viewer_trigger", badBody = "bad_body", repeatedRunId = "repeated_run_id"
        case unknownDag = "unknown_dag"
    }

    /// One request and the answer as the server sent it (an access token is replaced by its kind).
    struct Answer: Codable, Sendable, Hashable {
        let step: Step
        let method: String
        let path: String
        let status: Int
        let body: JSONValue?
    }

    struct Outcome: Codable, Sendable {
        /// Where the API listened.
        let host: String
        let answers: [Answer]
        let runId: String
        let confSent: JSONValue
        /// The run as stored once it finished.
        let confStored: JSONValue?
        let runState: DagRunState?
        let runType: DagRunType?
        let taskStates: [String: TaskState]
        /// What `validate` returned: the order it read from the conf.
        let validated: JSONValue?
        let shipped: JSONValue?
        /// Runs of the DAG at the end: the refused requests made none.
        let runsOfDag: Int

        func answer(_ step: Step) -> Answer? { answers.first { $0.step == step } }
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let runId = "order-\(configuration.orderId)"
        guard runId.wholeMatch(of: /[A-Za-z0-9_.~:+\-]+/) != nil else {
            throw ScenarioError.invalidOrderId(configuration.orderId)
        }
        let timeline = Timeline()
        let orchestrator = Orchestrator(database: database)
        let dag = try fulfilOrder()
        try await orchestrator.register(dags: [dag])
        try await orchestrator.requireFreshStore()
        let scheduler = orchestrator.scheduler
        // A deployment sets these in the server's environment; the example makes fresh ones for its run.
        let environment = [
            "EVENTIDE_API_SECRET": randomSecret(), "SHOP_API_PASSWORD": randomSecret(),
            "DASHBOARD_API_PASSWORD": randomSecret(),
        ]
        let server = try await server(scheduler, environment: environment)
        let conf: JSONValue = ["order_id": .string(configuration.orderId), "amount": .number(configuration.amount)]

        let (host, answers) = try await orchestrator.withServices {
            try await server.withRunning { running in
                timeline.note("API listening on \(running.host):<port> (Airflow REST API v2)")
                let client = HTTPExampleClient(baseURL: running.baseURL)
                let answers: Result<[Answer], any Error>
                do {
                    answers = .success(
                        try await exchanges(
                            Sender(client: client), scheduler: scheduler, dagId: dag.dagId, runId: runId, conf: conf,
                            environment: environment, timeline: timeline))
                } catch {
                    answers = .failure(error)
                }
                try await client.shutdown()
                return (running.host, try answers.get())
            }
        }
        let run = try await scheduler.run(DagRunRef(dagId: dag.dagId, runId: runId))
        let outcome = Outcome(
            host: host, answers: answers, runId: runId, confSent: conf, confStored: run?.conf,
            runState: run?.state, runType: run?.runType,
            taskStates: Dictionary(uniqueKeysWithValues: (run?.taskInstances ?? []).map { ($0.taskId, $0.state) }),
            validated: run?.task("validate")?.returnValue, shipped: run?.task("ship")?.returnValue,
            runsOfDag: try await scheduler.runs(of: dag.dagId).count)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// The webhook, the run it made, then each request the API refuses; every answer noted as it arrives.
    static func exchanges(
        _ sender: Sender, scheduler: Scheduler, dagId: String, runId: String, conf: JSONValue,
        environment: [String: String], timeline: Timeline
    ) async throws -> [Answer] {
        var answers: [Answer] = []
        func record(_ step: Step, _ exchange: HTTPExchange, as user: String?) {
            let answer = Answer(
                step: step, method: exchange.method, path: exchange.path, status: exchange.status,
                body: exchange.json.map(redacted))
            answers.append(answer)
            timeline.note(
                "\(answer.method) \(answer.path)" + (user.map { " (\($0))" } ?? "") + " → \(answer.status) "
                    + (answer.body?.jsonText ?? exchange.body))
        }

        let (login, token) = try await sender.login("shop", password: environment["SHOP_API_PASSWORD"] ?? "")
        record(.login, login, as: nil)
        guard let token else { throw ScenarioError.loginRefused(user: "shop", status: login.status) }
        record(.trigger, try await sender.trigger(dagId, runId: runId, conf: conf, token: token), as: "shop")

        // The executor runs it meanwhile; read it back once it has finished, through the API and from the store.
        _ = try await scheduler.waitForFinishedRuns(of: dagId, count: 1)
        let read = try await sender.client.send(
            .GET, "/api/v2/dags/\(dagId)/dagRuns/\(runId)", headers: [("Authorization", "Bearer \(token)")])
        record(.readRun, read, as: "shop")
        let tasks = try await scheduler.run(DagRunRef(dagId: dagId, runId: runId))?.taskInstances ?? []
        timeline.note(
            "the store has its tasks: "
                + tasks.map { "\($0.taskId) \($0.state.rawValue) returning \($0.returnValue?.jsonText ?? "nothing")" }
                .joined(separator: ", "))

        record(.noToken, try await sender.trigger(dagId, runId: "no-token", conf: conf, token: nil), as: "no token")
        let (viewerLogin, viewerToken) = try await sender.login(
            "dashboard", password: environment["DASHBOARD_API_PASSWORD"] ?? "")
        record(.viewerLogin, viewerLogin, as: nil)
        guard let viewerToken else { throw ScenarioError.loginRefused(user: "dashboard", status: viewerLogin.status) }
        record(
            .viewerTrigger, try await sender.trigger(dagId, runId: "viewer", conf: conf, token: viewerToken),
            as: "dashboard")
        record(
            .badBody,
            try await sender.trigger(dagId, runId: "bad", conf: ["a", "list"], token: token, extra: ["priority": 1]),
            as: "shop")
        record(.repeatedRunId, try await sender.trigger(dagId, runId: runId, conf: conf, token: token), as: "shop")
        record(.unknownDag, try await sender.trigger("fulfil_orders", runId: nil, conf: conf, token: token), as: "shop")
        return answers
    }

    /// The body with an access token replaced by what kind of token it is (its header's `alg`): the token is a
    /// credential, and its header's key order varies between runs.
    static func redacted(_ body: JSONValue) -> JSONValue {
        guard var object = body.objectValue, let token = object["access_token"]?.stringValue else { return body }
        let parts = token.split(separator: ".")
        var header = String(parts.first ?? "").replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/")
        header += String(repeating: "=", count: (4 - header.count % 4) % 4)
        let algorithm = Data(base64Encoded: header).flatMap {
            try? JSONValue.parse(String(decoding: $0, as: UTF8.self))
        }?[
            "alg"]?.stringValue
        object["access_token"] = .string("<\(algorithm ?? "unsigned?") JWT of \(parts.count) parts, not shown>")
        return .object(object)
    }

    /// 32 random bytes as hex: a secret for this run only.
    static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }
            .joined()
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let status = { (step: Step) in outcome.answer(step).map { String($0.status) } ?? "none" }
        let triggered = outcome.answer(.trigger)?.body
        let validationTypes =
            outcome.answer(.badBody)?.body?["detail"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? []
        return [
            "the webhook logged in (\(status(.login))) and triggered run \(triggered?["dag_run_id"]?.stringValue ?? "none") "
                + "(\(status(.trigger)), \(triggered?["state"]?.stringValue ?? "?") when answered) on \(outcome.host)",
            "the run ended \(outcome.runState?.rawValue ?? "unknown") as a \(outcome.runType?.rawValue ?? "?") run; "
                + "conf stored as sent: \(outcome.confStored == outcome.confSent); validate read order "
                + "\(outcome.validated?["order_id"]?.stringValue ?? "none"), ship shipped "
                + "\(outcome.shipped?["shipped"]?.stringValue ?? "none")",
            "without a token \(status(.noToken)), a viewer's token \(status(.viewerTrigger)), a conf that is a list "
                + "and an unknown field \(status(.badBody)) (\(validationTypes.joined(separator: ", "))), the same run "
                + "id again \(status(.repeatedRunId)), an unknown DAG \(status(.unknownDag))",
            "runs of the DAG at the end: \(outcome.runsOfDag) (the refused requests made none)",
        ]
    }
}
