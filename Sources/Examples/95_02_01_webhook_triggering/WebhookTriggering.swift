import Eventide
import EventideHTTP
import EventideHTTPCLI
import Foundation

/// 95.2.1 — an external system triggers a DAG through Airflow's REST API: it logs in for a token, then posts the
/// webhook's payload as the run's `conf`; the DAG's tasks read it. The API refuses what Airflow refuses, with
/// Airflow's status codes.
enum WebhookTriggering {
    // [START dag]
    /// The DAG an order webhook triggers. `validate` reads the order from the run's conf (Airflow's
    /// `dag_run.conf`), `ship` reads what `validate` returned.
    static func fulfilOrder() throws -> DAG {
        try DAG(
            "fulfil_order",
            tasks: [
                TaskDefinition("validate") { context in
                    guard let orderId = context.conf["order_id"]?.stringValue,
                        let amount = context.conf["amount"]?.doubleValue, amount > 0
                    else { throw OrderError.invalidConf(context.conf) }
                    return TaskOutput(value: ["order_id": .string(orderId), "amount": .number(amount)])
                },
                TaskDefinition("ship", upstream: ["validate"]) { context in
                    let order = context.upstreamValues["validate"] ?? .null
                    return TaskOutput(value: ["shipped": order["order_id"] ?? .null])
                },
            ])
    }
    // [END dag]

    // [START api]
    /// Who may call the API: the shop's backend triggers runs (`op`), a dashboard only reads (`viewer`). The
    /// passwords and the token signing secret are read from the environment, never from code.
    static let access = APIAuthConfiguration(
        users: [
            "shop": .init(role: .op, passwordVariable: "SHOP_API_PASSWORD"),
            "dashboard": .init(role: .viewer, passwordVariable: "DASHBOARD_API_PASSWORD"),
        ],
        signingSecretVariable: "EVENTIDE_API_SECRET", tokenLifetime: .seconds(15 * 60))

    /// Airflow's REST API v2 over the scheduler, on 127.0.0.1 and a free port.
    static func server(_ scheduler: Scheduler, environment: [String: String]) async throws -> EventideHTTPServer {
        let authenticator = try await access.authenticator(environment: environment, clock: scheduler.clock)
        return EventideHTTPServer(components: [AirflowAPI(scheduler: scheduler, authenticator: authenticator)])
    }
    // [END api]

    // [START sender]
    /// The webhook's sender, as any Airflow client does it: `POST /auth/token`, then
    /// `POST /api/v2/dags/{dag_id}/dagRuns` with the payload as `conf` and `Authorization: Bearer <token>`.
    struct Sender: Sendable {
        let client: HTTPExampleClient

        func login(_ user: String, password: String) async throws -> (HTTPExchange, token: String?) {
            let body = JSONValue.object(["username": .string(user), "password": .string(password)])
            let exchange = try await client.send(.POST, "/auth/token", body: body.jsonText)
            return (exchange, exchange.json?["access_token"]?.stringValue)
        }

        func trigger(
            _ dagId: String, runId: String?, conf: JSONValue, token: String?, extra: [String: JSONValue] = [:]
        ) async throws -> HTTPExchange {
            var body: [String: JSONValue] = ["logical_date": nil, "conf": conf]
            body["dag_run_id"] = runId.map(JSONValue.string)
            body.merge(extra) { _, new in new }
            let headers = token.map { [("Authorization", "Bearer \($0)")] } ?? []
            return try await client.send(
                .POST, "/api/v2/dags/\(dagId)/dagRuns", headers: headers, body: JSONValue.object(body).jsonText)
        }
    }
    // [END sender]

    /// What `validate` refuses.
    enum OrderError: Error, Equatable, CustomStringConvertible {
        case invalidConf(JSONValue)

        var description: String {
            switch self {
            case .invalidConf(let conf):
                "the run's conf \(conf.jsonText) has no order_id string and positive amount; trigger with "
                    + #"{"order_id": "…", "amount": 12.5}"#
            }
        }
    }
}
