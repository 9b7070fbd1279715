import ArgumentParser
import Eventide
import EventideConsole
import EventideHTTP
import Foundation
import Logging
import ServiceLifecycle

/// `eventide-console --db <path>`: the web console and `/metrics` over any example's store (and Airflow's REST API
/// with `--api-user`), until SIGINT or SIGTERM.
@main
struct EventideConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventide-console",
        abstract: "Serves the web console (/ui) and Prometheus metrics (/metrics) over an Eventide store.",
        discussion: """
            Opens the SQLite store an example wrote (run one with --keep, or with --db <path>) and serves its DAGs, \
            runs, assets, watchers and dead letters at http://<host>:<port>/ui until interrupted. The store is read \
            without the example's DAG definitions: the console shows what the store has. Redriving a dead letter \
            sends a message of an embedded queue back to its queue, and marks any other letter redriven.
            With --api-user it also serves Airflow's REST API (/auth/token, /api/v2, /openapi.json): passwords come \
            from EVENTIDE_API_PASSWORD_<NAME> and the signing secret from EVENTIDE_API_SECRET. Without the example's \
            DAG definitions the API knows no DAG: the assets and the health check answer from the store, and asset \
            events can be recorded on the store's assets (queued for no DAG); what is about a DAG (its runs, its \
            queue) does not answer.
            Prints one line when it listens: "eventide-console: serving <path> at http://<host>:<port>/ui".
            """)

    @Option(help: "The store to open: the SQLite file an example wrote (--keep keeps one; --db names one).")
    var db: String
    @Option(help: "The port to listen on (0: a free one, printed when listening).") var port = 8080
    @Option(help: "The address to bind (loopback by default; the console has no login).") var host = "127.0.0.1"
    @Option(name: .customLong("api-user"), help: "Serve the REST API with this user (repeatable).")
    var apiUsers: [APIUser] = []
    @Flag(help: .hidden) var demoSeed = false

    func run() async throws {
        // Before any part of the runtime is made: the runtime takes the process's metrics factory when it is made.
        let registry = PrometheusMetrics.bootstrapOnce()
        let authenticator = apiUsers.isEmpty ? nil : try await apiAuthenticator()  // refuses a missing secret first
        let exists = FileManager.default.fileExists(atPath: db)
        if demoSeed {
            guard !exists else { throw ConsoleToolError.demoNeedsNewStore(path: db) }
        } else {
            guard exists else { throw ConsoleError.noStore(path: db) }
        }
        let database = try EventideDatabase(path: db)
        if demoSeed { try await ConsoleDemo.seed(into: database) }
        let store = try ConsoleStore(database: database)
        var components: [any HTTPComponent] = [
            try WebConsole(store: store),
            MetricsEndpoint(registry: registry, sampling: database, metrics: RuntimeMetrics()),
        ]
        if let authenticator {
            // The store's assets are declared, so that POST /api/v2/assets/events records on them (no DAG is
            // registered: the events are stored, queued for no one).
            let scheduler = Scheduler(database: database)
            let assets = try await scheduler.assetRecords().map { record in
                try Asset(name: record.key.name, uri: record.key.uri, group: record.group, extra: record.extra)
            }
            try await scheduler.register([], assets: assets)
            components.append(AirflowAPI(scheduler: scheduler, authenticator: authenticator))
        }
        let server = EventideHTTPServer(host: host, port: port, components: components)
        let (host, db) = (host, db)
        let app = server.application { port in
            FileHandle.standardOutput.write(Data("eventide-console: serving \(db) at http://\(host):\(port)/ui\n".utf8))
        }
        let services = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: server.logger))
        try await services.run()
    }
}

extension EventideConsoleCommand {
    /// The REST API's users, their passwords and the signing secret read from the environment.
    func apiAuthenticator() async throws -> APIAuthenticator {
        let users = Dictionary(
            apiUsers.map { ($0.name, APIAuthConfiguration.User(role: $0.role, passwordVariable: $0.passwordVariable)) },
            uniquingKeysWith: { _, last in last })
        return try await APIAuthConfiguration(users: users).authenticator()
    }
}

/// What the tool itself refuses.
enum ConsoleToolError: Error, CustomStringConvertible {
    case demoNeedsNewStore(path: String)

    var description: String {
        switch self {
        case .demoNeedsNewStore(let path):
            "--demo-seed writes a new store, and \(path) exists already; name a path that does not exist."
        }
    }
}
