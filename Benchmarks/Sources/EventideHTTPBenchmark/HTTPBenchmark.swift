import ArgumentParser
import AsyncHTTPClient
import Eventide
import EventideHTTP
import EventideTesting
import Foundation
import Histogram
import Hummingbird
import NIOCore
import Synchronization

/// Issue 10's figures, in one run: `POST /api/v2/assets/events` committed per second at 1, 8 and 64 keep-alive
/// connections beside a bare Hummingbird route answering 200 in the same run, and POST → consumer task started
/// (p50, p99, HdrHistogram). Run from the repository root, in release mode:
/// `swift run --package-path Benchmarks -c release eventide-http-benchmark`.
@main
struct HTTPBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventide-http-benchmark",
        abstract: "Measures the REST API's durable event rate and its POST-to-task latency.")

    @Option(help: "Requests per measurement (each connection count, each route).") var requests = 60_000
    @Option(help: "Seconds a measurement may take at most (it stops early, and says so).") var seconds = 5.0
    @Option(help: "Rounds of the three loads per connection count (medians are printed).") var rounds = 3
    @Option(help: "POSTs for the latency measurement, one at a time (0 skips it).") var latencyEvents = 1_000
    @Option(help: "Keep-alive connection counts to measure, comma-separated.", transform: Self.connectionCounts)
    var connections = [1, 8, 64]
    @Option(help: "The load client: auto (wrk when installed, else the Swift client), wrk or swift.")
    var client: LoadClientChoice = .auto
    @Option(
        help: """
            The store's durability: full (every commit flushed, what the goals are for) or normal (no flush per \
            commit: a diagnostic that shows what the flush costs the rate).
            """)
    var durability: DurabilityChoice = .full

    static let password = "benchmark-password"
    static let environment = [
        "EVENTIDE_API_SECRET": String(repeating: "s", count: 48), "BENCH_PASSWORD": password,
    ]

    func run() async throws {
        #if DEBUG
            print("eventide-http-benchmark (DEBUG build: numbers are not representative)")
        #else
            print("eventide-http-benchmark (release build)")
        #endif
        let loadClient = try LoadClient.select(client)
        try await throughput(with: loadClient)
        if latencyEvents > 0 { try await latency() }
    }

    /// The asset `orders` (with a DAG that runs once per event, when `consumer` is given), a server with the API
    /// and the bare route, and a token.
    func withServer(
        _ name: String, consumer: TaskDefinition?,
        _ body: @escaping @Sendable (Orchestrator, RunningServer, String, AnswerCounter) async throws -> Void
    ) async throws {
        let database = try EventideDatabase(
            path: TemporaryDatabase.folder(name).appendingPathComponent("eventide.sqlite").path,
            durability: durability.level)
        let orchestrator = Orchestrator(database: database)
        let asset = try Asset(name: "orders")
        let dags = try consumer.map {
            [
                try DAG(
                    "consumer", schedule: .on([asset]), maxActiveRuns: 100_000, assetTriggering: .perEvent,
                    tasks: [$0])
            ]
        }
        try await orchestrator.register(dags: dags ?? [], assets: [asset])
        let auth = try await APIAuthConfiguration(users: ["bench": .init(role: .op, passwordVariable: "BENCH_PASSWORD")]
        )
        .authenticator(environment: Self.environment)
        let counter = AnswerCounter()
        let server = EventideHTTPServer(
            components: [
                AnswerCounting(counter: counter), AirflowAPI(scheduler: orchestrator.scheduler, authenticator: auth),
                BareRoute(),
            ])
        _ = try await orchestrator.withServices {
            try await server.withRunning { running in
                let token = try await auth.issueToken(username: "bench", password: Self.password)
                try await body(orchestrator, running, token, counter)
            }
        }
    }

    // MARK: 1. Committed events per second, beside a bare route

    static let eventBody = #"{"name":"orders","extra":{"n":1}}"#

    func throughput(with loadClient: LoadClient) async throws {
        print(
            "\n1. POST /api/v2/assets/events, keep-alive, up to \(requests) requests a load (bounded by \(seconds) s), "
                + "\(rounds) rounds")
        print("   measured by: \(loadClient.description); rates and CPU counted by the server")
        print(
            "   (the events only: no DAG consumes them here, so the executor's writes do not share the store's writer)")
        print("   bare GET: `GET /bare` answered 200; bare POST: the API's request (token, JSON body) to a route that")
        print("   reads the body and answers 200; CPU: the server process's CPU time (all threads) per answer.")
        print("   Each round runs the three loads back to back; medians over the rounds (ratios taken within a round),")
        print("   so a drift of the machine's speed between loads does not decide the ratio.")
        if durability == .normal {
            print(
                "   the store commits with synchronous=NORMAL (--durability normal): no flush per commit, not durable"
                    + "\n   against an OS crash; a diagnostic of what the flush costs, not a figure for the goals")
        }
        let floor = try FlushedCommit.measure()
        print(
            String(
                format: "   a flushed SQLite commit on this disk (one row, WAL, synchronous=FULL, sqlite3 C API, one "
                    + "thread):\n   p50 %.0f µs   p99 %.0f µs   CPU %.0f µs a commit (the floor under each commit below)",
                floor.p50Micros, floor.p99Micros, floor.cpuMicros))
        let recordPath = try await recordPathAlone(writers: connections.max() ?? 64)
        print(
            "   connections   bare GET (req/s)   bare POST (req/s)   events committed (/s)   ratio to GET / POST"
                + "   events per commit   CPU µs: GET / POST / event")
        for connections in connections {
            try await withServer("bench-http-\(connections)", consumer: nil) {
                orchestrator, running, token, counter in
                var rows: [Round] = []
                for _ in 0..<rounds {
                    rows.append(
                        try await round(
                            with: loadClient, connections: connections, orchestrator: orchestrator, running: running,
                            token: token, counter: counter))
                }
                let note = rows.contains { $0.stoppedEarly } ? "  (a load stopped at the time bound)" : ""
                print(
                    String(
                        format: "   %11d   %16.0f   %17.0f   %21.0f   %8.2f / %.2f   %17.1f   %11.1f / %.1f / %.1f",
                        connections, median(rows.map(\.bare.rate)), median(rows.map(\.barePost.rate)),
                        median(rows.map(\.api.rate)), median(rows.map { $0.api.rate / $0.bare.rate }),
                        median(rows.map { $0.api.rate / $0.barePost.rate }), median(rows.map(\.eventsPerCommit)),
                        median(rows.map(\.bare.cpuPerAnswer)), median(rows.map(\.barePost.cpuPerAnswer)),
                        median(rows.map(\.api.cpuPerAnswer))) + note)
                if rounds > 1 {
                    let ratios = rows.map { String(format: "%.2f", $0.api.rate / $0.bare.rate) }
                    print("                 (ratio to GET by round: \(ratios.joined(separator: ", ")))")
                }
                print(
                    String(
                        format:
                            "                 (a commit cycle: %.0f µs writing %.1f events, %.0f µs SQLite's commit "
                            + "and flush, %.0f µs handing over to the next leader)",
                        median(rows.map(\.cycle.writing)), median(rows.map(\.cycle.events)),
                        median(rows.map(\.cycle.flushing)), median(rows.map(\.cycle.handingOver))))
                let bareRate = median(rows.map(\.bare.rate))
                print(
                    String(
                        format: "                 (latency bound: a client waits for its bare round trip, %.0f µs, "
                            + "and at least one flushed commit: ratio ≤ %.2f)",
                        Double(connections) * 1e6 / bareRate, floor.bound(bareRate: bareRate, clients: connections)))
                let bound = CPUBound(
                    barePost: median(rows.map(\.barePost.cpuPerAnswer)), recordPath: recordPath,
                    client: median(rows.map(\.api.clientPerAnswer)))
                print(
                    String(
                        format: "                 (cores busy, server + client: GET %.2f, POST %.2f, API %.2f of %d)",
                        median(rows.map(\.bare.cores)), median(rows.map(\.barePost.cores)),
                        median(rows.map(\.api.cores)), CPUBound.cores))
                let threads = [("GET", \Round.bare), ("POST", \Round.barePost), ("API", \Round.api)].map {
                    name, load in
                    "\(name) "
                        + String(
                            format: "loop %.2f, pool %.2f (busiest thread %.2f)",
                            median(rows.map { $0[keyPath: load].threads.loop }),
                            median(rows.map { $0[keyPath: load].threads.pool }),
                            median(rows.map { $0[keyPath: load].threads.busiestPoolThread }))
                }
                print(
                    "                 (server threads, cores busy: \(threads[0]); \(threads[1]);\n"
                        + "                  \(threads[2]))")
                print(
                    String(
                        format: "                 (CPU bound: an event costs the server at least the bare POST's "
                            + "%.1f µs + the record path's %.1f µs,\n                  the client %.1f µs: with "
                            + "every core busy ≤ %.0f events/s, ratio to GET ≤ %.2f)",
                        bound.barePost, bound.recordPath, bound.client, bound.rate,
                        bound.rate / bareRate))
            }
        }
        print(
            "   goals: ≥ 10,000 committed events/s and ≥ half the bare route's rate; Airflow 3.1 here: 163–174 events/s"
        )
    }

    /// The same events recorded by `writers` concurrent tasks calling the scheduler directly, without HTTP: what
    /// of a committed event's CPU is the store's (group commit, SQLite, the flush) and what is the API's. Returns
    /// the CPU time of an event, in µs.
    func recordPathAlone(writers: Int) async throws -> Double {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("bench-record-path"))
        let asset = try Asset(name: "orders")
        try await orchestrator.register(dags: [], assets: [asset])
        let scheduler = orchestrator.scheduler
        let perWriter = max(1, requests / writers)
        let before = scheduler.recordingStatistics()
        let cpu = ProcessCPU.now()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for n in 0..<perWriter {
                        try await scheduler.recordAssetEvent(
                            asset.key, extra: ["n": .number(Double(writer * perWriter + n))],
                            source: .api(messageId: nil))
                    }
                }
            }
            try await group.waitForAll()
        }
        let seconds = (ContinuousClock.now - start).components
        let elapsed = Double(seconds.seconds) + Double(seconds.attoseconds) / 1e18
        let events = writers * perWriter
        let commits = (scheduler.recordingStatistics() - before).commits.commits
        let cpuPerEvent = (ProcessCPU.now() - cpu) / Double(events)
        print(
            String(
                format:
                    "   the record path alone (%d tasks calling Scheduler.recordAssetEvent, no HTTP): %.0f events/s, "
                    + "%.1f events per commit, CPU %.1f µs an event",
                writers, Double(events) / elapsed, Double(events) / Double(max(commits, 1)), cpuPerEvent))
        return cpuPerEvent
    }

    /// One round: the bare GET, the bare POST and the API, back to back on the same server.
    struct Round {
        let bare: Measured
        let barePost: Measured
        let api: Measured
        let eventsPerCommit: Double
        let cycle: CommitCycle
        var stoppedEarly: Bool { [bare, barePost, api].contains { $0.load.stoppedEarly } }
    }

    func round(
        with loadClient: LoadClient, connections: Int, orchestrator: Orchestrator, running: RunningServer,
        token: String, counter: AnswerCounter
    ) async throws -> Round {
        let bare = try await measure(counter) {
            try await load(
                with: loadClient, url: running.baseURL + "/bare", connections: connections, body: nil, token: nil)
        }
        let barePost = try await measure(counter) {
            try await load(
                with: loadClient, url: running.baseURL + "/bare", connections: connections, body: Self.eventBody,
                token: token)
        }
        let storedBefore = try await storedEvents(orchestrator)
        let recordingBefore = orchestrator.scheduler.recordingStatistics()
        let api = try await measure(counter) {
            try await load(
                with: loadClient, url: running.baseURL + "/api/v2/assets/events", connections: connections,
                body: Self.eventBody, token: token)
        }
        let recording = orchestrator.scheduler.recordingStatistics() - recordingBefore
        let commits = recording.commits.commits
        let stored = try await storedEvents(orchestrator) - storedBefore
        // Every 2xx the client got is stored. wrk abandons the requests in flight when it stops (at most one per
        // connection): the server may have committed and answered those without wrk counting them.
        for measured in [bare, barePost, api] { try measured.check(connections: connections) }
        guard (api.load.succeeded...(api.load.succeeded + connections)).contains(stored) else {
            throw ValidationError("the client got \(api.load.succeeded) 2xx answers and \(stored) events are stored")
        }
        return Round(
            bare: bare, barePost: barePost, api: api, eventsPerCommit: Double(api.answers) / Double(max(commits, 1)),
            cycle: CommitCycle(recording))
    }

    func storedEvents(_ orchestrator: Orchestrator) async throws -> Int {
        try await orchestrator.scheduler.assetEvents(for: AssetKey(name: "orders", uri: "orders")).count
    }

    func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
    }

    /// One load, with what the server counted while it ran: its answers and rate, and its CPU time.
    struct Measured {
        let load: Load
        let window: AnswerCounter.Window
        let cpuMicros: Double
        /// The load client's CPU time when it is another process (wrk); 0 for the Swift client, whose CPU time
        /// is the server process's own.
        let clientMicros: Double
        /// Cores each kind of server thread kept busy while the answers came (over the window's span).
        let threads: ThreadCPU.Busy

        var answers: Int { window.answers }
        var rate: Double { window.rate }
        var cpuPerAnswer: Double { cpuMicros / Double(max(window.answers, 1)) }
        var clientPerAnswer: Double { clientMicros / Double(max(window.answers, 1)) }
        /// Cores busy on average during the load, the server's and the client's: rate × CPU per answer.
        var cores: Double { rate * (cpuPerAnswer + clientPerAnswer) / 1e6 }

        /// The client and the server agree on the answers (up to one abandoned request per connection).
        func check(connections: Int) throws {
            guard (load.succeeded...(load.succeeded + connections)).contains(window.answers) else {
                throw ValidationError("the client got \(load.succeeded) 2xx answers, the server sent \(window.answers)")
            }
        }
    }

    func measure(_ counter: AnswerCounter, _ body: () async throws -> Load) async throws -> Measured {
        counter.reset()
        let cpu = ProcessCPU.now()
        let client = ProcessCPU.children()
        let threads = ThreadCPU.now()
        let load = try await body()
        let window = counter.current
        return Measured(
            load: load, window: window, cpuMicros: ProcessCPU.now() - cpu,
            clientMicros: ProcessCPU.children() - client,
            threads: ThreadCPU.now().busy(since: threads, seconds: Double(window.answers) / max(window.rate, 1)))
    }

    struct Load {
        let succeeded: Int
        let rate: Double
        let stoppedEarly: Bool
    }

    /// `requests` requests over `connections` keep-alive connections (a POST of `body` when given, else a GET),
    /// bounded by `seconds`, sent by the chosen client; any answer but 2xx fails the run.
    func load(with loadClient: LoadClient, url: String, connections: Int, body: String?, token: String?)
        async throws -> Load
    {
        switch loadClient {
        case .wrk(let path):
            let run = try await WrkRun(
                wrk: path, url: url, connections: connections, requests: requests, seconds: seconds, body: body,
                token: token
            ).run()
            return Load(succeeded: run.succeeded, rate: run.rate, stoppedEarly: run.succeeded < requests)
        case .swift:
            return try await load(url: url, connections: connections, body: body, token: token)
        }
    }

    /// The Swift client: each connection a loop of one request at a time; a non-2xx answer stops the run with an
    /// error.
    func load(url: String, connections: Int, body: String?, token: String?) async throws -> Load {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let remaining = Remaining(requests)
        let deadline = ContinuousClock.now + .seconds(seconds)
        let start = ContinuousClock.now
        let succeeded = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<connections {
                group.addTask {
                    var done = 0
                    while ContinuousClock.now < deadline, remaining.take() {
                        var request = HTTPClientRequest(url: url)
                        if let body {
                            request.method = .POST
                            request.headers.add(name: "Content-Type", value: "application/json")
                            request.body = .bytes(ByteBuffer(string: body))
                        }
                        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
                        let response = try await client.execute(request, timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 1 << 20)
                        guard (200..<300).contains(response.status.code) else {
                            throw ValidationError("\(url) answered \(response.status.code)")
                        }
                        done += 1
                    }
                    return done
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = (ContinuousClock.now - start)
        try await client.shutdown()
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Load(succeeded: succeeded, rate: Double(succeeded) / seconds, stoppedEarly: succeeded < requests)
    }

    // MARK: 2. POST → consumer task started

    func latency() async throws {
        print("\n2. POST /api/v2/assets/events → consumer task started (\(latencyEvents) events, one at a time)")
        let starts = AsyncStream.makeStream(of: ContinuousClock.Instant.self)
        let consumer = TaskDefinition("start") { _ in
            starts.continuation.yield(.now)
            return .none
        }
        try await withServer("bench-http-latency", consumer: consumer) { _, running, token, _ in
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
            var answers = histogram  // POST → 2xx answer (the event and its run committed)
            var iterator = starts.stream.makeAsyncIterator()
            for n in 0..<latencyEvents {
                var request = HTTPClientRequest(url: running.baseURL + "/api/v2/assets/events")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                request.body = .bytes(ByteBuffer(string: #"{"name":"orders","extra":{"n":\#(n)}}"#))
                let sent = ContinuousClock.now
                let response = try await client.execute(request, timeout: .seconds(30))
                _ = try await response.body.collect(upTo: 1 << 20)
                let answered = ContinuousClock.now
                guard (200..<300).contains(response.status.code) else {
                    throw ValidationError("the POST answered \(response.status.code)")
                }
                guard let started = await iterator.next() else { break }
                _ = histogram.record(Self.micros(started - sent))
                _ = answers.record(Self.micros(answered - sent))
            }
            try await client.shutdown()
            print(
                String(
                    format:
                        "   task started: p50 %.2f ms   p99 %.2f ms   max %.2f ms   (goal p50 < 2 ms; Airflow 3.1 here: "
                        + "median 1.15 s)",
                    Double(histogram.valueAtPercentile(50)) / 1_000, Double(histogram.valueAtPercentile(99)) / 1_000,
                    Double(histogram.max) / 1_000))
            print(
                String(
                    format: "   (the POST's 2xx answer, event and run committed: p50 %.2f ms   p99 %.2f ms)",
                    Double(answers.valueAtPercentile(50)) / 1_000, Double(answers.valueAtPercentile(99)) / 1_000))
        }
    }
}

extension HTTPBenchmark {
    static func connectionCounts(_ text: String) throws -> [Int] {
        let counts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty, counts.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--connections takes positive counts separated by commas, like 1,8,64: \(text)")
        }
        return counts.compactMap { $0 }
    }

    static func micros(_ duration: Duration) -> UInt64 {
        let parts = duration.components
        return UInt64(max(0, parts.seconds * 1_000_000 + parts.attoseconds / 1_000_000_000_000))
    }
}

/// The floors the API is compared with: a Hummingbird route that answers 200 with no body and does nothing
/// (`GET /bare`), and the same route taking the API's request (`POST /bare` with the token and the JSON body),
/// which reads the body and answers 200: what HTTP costs for a request of that shape, before any work.
struct BareRoute: HTTPComponent {
    func register(on router: Router<EventideRequestContext>) {
        router.get("/bare") { _, _ in HTTPResponse.Status.ok }
        router.post("/bare") { request, _ in
            _ = try await request.body.collect(upTo: 1 << 20)
            return HTTPResponse.Status.ok
        }
    }
}

/// Requests left to send, taken one at a time by the connections.
final class Remaining: Sendable {
    private let count: Mutex<Int>
    init(_ count: Int) { self.count = Mutex(count) }

    /// Takes one; `false` when none is left.
    func take() -> Bool {
        count.withLock { left in
            guard left > 0 else { return false }
            left -= 1
            return true
        }
    }
}

/// `--durability`: the store's `synchronous` level for the loads.
enum DurabilityChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    case full, normal

    var level: EventideDatabase.Durability { self == .full ? .full : .normal }
}
