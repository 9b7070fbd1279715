import Eventide
import EventideTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import EventideHTTP

/// A scheduler with a few DAGs and assets, the API over it, and users of each role: what the API tests send
/// requests to (in-process through HummingbirdTesting, or over 127.0.0.1 for schemathesis).
///
/// - `etl`: manual DAG, one task.
/// - `produce_orders` writes `orders`; `consume_orders` is scheduled on `orders` and reads `refunds`.
/// - `refund_report` is scheduled on `orders & refunds` (an event of one of them waits in its queue).
/// - `ledger_a` and `ledger_b` both write `ledger` (materializing it is ambiguous).
struct APIFixture: Sendable {
    let scheduler: Scheduler
    let authenticator: APIAuthenticator
    let api: AirflowAPI
    let orders: Asset, refunds: Asset, ledger: Asset, archive: Asset

    static let passwords = ["alice": "alice-password", "victor": "victor-password", "ada": "ada-password"]
    static let environment: [String: String] = [
        "EVENTIDE_API_SECRET": String(repeating: "0123456789abcdef", count: 4),
        "PW_ALICE": "alice-password", "PW_VICTOR": "victor-password", "PW_ADA": "ada-password",
    ]
    static let configuration = APIAuthConfiguration(users: [
        "alice": .init(role: .op, passwordVariable: "PW_ALICE"),
        "victor": .init(role: .viewer, passwordVariable: "PW_VICTOR"),
        "ada": .init(role: .admin, passwordVariable: "PW_ADA"),
    ])

    static func make(_ name: String, clock: EventideClock = .system) async throws -> APIFixture {
        let scheduler = Scheduler(database: try TemporaryDatabase.make(name), clock: clock)
        let orders = try Asset(uri: "s3://lake/orders", name: "orders")
        let refunds = try Asset(uri: "s3://lake/refunds", name: "refunds")
        let ledger = try Asset(uri: "s3://lake/ledger", name: "ledger")
        let archive = try Asset(uri: "file:///archive/daily", name: "archive")
        let task = { (id: String, outlets: [Asset], inlets: [Asset]) in
            TaskDefinition(id, outlets: outlets, inlets: inlets) { _ in .none }
        }
        try await scheduler.register(
            [
                try DAG("etl", tasks: [task("extract", [], [])]),
                try DAG("produce_orders", tasks: [task("write", [orders], [])]),
                try DAG("consume_orders", schedule: .on(orders), tasks: [task("read", [], [refunds])]),
                try DAG("refund_report", schedule: .on(orders & refunds), tasks: [task("report", [], [])]),
                try DAG("ledger_a", tasks: [task("post", [ledger], [])]),
                try DAG("ledger_b", tasks: [task("post", [ledger], [])]),
            ], assets: [orders, refunds, ledger, archive])
        let authenticator = try await configuration.authenticator(environment: environment, clock: clock)
        return APIFixture(
            scheduler: scheduler, authenticator: authenticator,
            api: AirflowAPI(scheduler: scheduler, authenticator: authenticator), orders: orders, refunds: refunds,
            ledger: ledger, archive: archive)
    }

    /// A token for a configured user.
    func token(_ user: String) async throws -> String {
        try await authenticator.issueToken(username: user, password: Self.passwords[user] ?? "")
    }

    /// Runs `body` with a client of the API in-process (no socket).
    func withClient<T: Sendable>(_ body: @escaping @Sendable (APIClient) async throws -> T) async throws -> T {
        let application = EventideHTTPServer(components: [api]).application()
        return try await application.test(.router) { client in try await body(APIClient(client: client)) }
    }

    func assetId(_ asset: Asset) async throws -> Int64 {
        try #require(try await scheduler.assetRecord(for: asset.key)).id
    }
}

/// Sends requests and reads JSON answers.
struct APIClient: Sendable {
    let client: any TestClientProtocol

    struct Answer: Sendable {
        let status: Int
        let headers: HTTPFields
        let text: String
        var json: JSONValue? { try? JSONValue.parse(text) }
        /// `detail` of an error answer.
        var detail: JSONValue? { json?["detail"] }
        /// The `type`s of a 422's validation errors, in order.
        var validationTypes: [String] { detail?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? [] }
        /// The `loc`s of a 422's validation errors, joined with dots.
        var validationLocations: [String] {
            detail?.arrayValue?.compactMap { $0["loc"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ".") }
                ?? []
        }
    }

    func send(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, body: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> Answer {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(
            uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        return Answer(status: Int(response.status.code), headers: response.headers, text: String(buffer: response.body))
    }
}
