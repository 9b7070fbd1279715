import Eventide
import EventideConsole
import EventideHTTP
import EventideTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The console's pages through Hummingbird's router: statuses, the rows of the store they list, the links they
/// carry, escaping, and the redrive form's CSRF check.
@Suite(.timeLimit(.minutes(3)))
struct WebConsoleTests {
    static func get(_ client: some TestClientProtocol, _ path: String) async throws -> (HTTPResponse.Status, String) {
        let response = try await client.execute(uri: path, method: .get)
        return (response.status, String(buffer: response.body))
    }

    static func redrive(_ client: some TestClientProtocol, _ id: Int64, token: String?) async throws -> TestResponse {
        let body = token.map { "csrf_token=\($0)" } ?? ""
        return try await client.execute(
            uri: "/ui/dead-letters/\(id)/redrive", method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: body))
    }

    func withConsole(
        _ fixture: ConsoleFixture, scheduler: Scheduler? = nil, triggerer: Triggerer? = nil,
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let console = try WebConsole(store: fixture.store, scheduler: scheduler, triggerer: triggerer)
        try await EventideHTTPServer(components: [console]).application().test(.router) { client in
            try await body(client)
        }
    }

    @Test func everyPageIsHTMLWithAPolicyThatForbidsScripts() async throws {
        let fixture = try await ConsoleFixture()
        try await withConsole(fixture) { client in
            for path in ["/ui", "/ui/dags", "/ui/runs", "/ui/assets", "/ui/watchers", "/ui/dead-letters"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .ok, "\(path)")
                #expect(response.headers[.contentType] == "text/html; charset=utf-8", "\(path)")
                let policy = try #require(response.headers[.contentSecurityPolicy])
                #expect(policy.hasPrefix("default-src 'none'") && !policy.contains("script-src"), "\(path)")
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
            }
        }
    }

    @Test func pagesListTheStoresRowsAndTheirLinksLead() async throws {
        let fixture = try await ConsoleFixture()
        let store = fixture.store
        let runs = try await store.runs()
        let assets = try await store.assets()
        try await withConsole(fixture) { client in
            let (_, dags) = try await Self.get(client, "/ui/dags")
            #expect(HTMLScan.links(class: "dag-link", in: dags) == fixture.written.dagIds.map { "/ui/dags/\($0)" })
            for link in HTMLScan.links(class: "dag-link", in: dags) {
                let (status, page) = try await Self.get(client, link)
                #expect(status == .ok, "\(link)")
                let dagId = String(link.dropFirst("/ui/dags/".count))
                #expect(HTMLScan.count(class: "run", in: page) == runs.filter { $0.ref.dagId == dagId }.count)
            }
            let (_, runsPage) = try await Self.get(client, "/ui/runs")
            let runLinks = HTMLScan.links(class: "run-link", in: runsPage)
            #expect(runLinks.count == runs.count)
            for (link, run) in zip(runLinks, runs) {  // newest first, as the read model
                let (status, page) = try await Self.get(client, link)
                #expect(status == .ok, "\(link)")
                let detail = try #require(try await store.run(run.ref))
                #expect(HTMLScan.count(class: "task", in: page) == detail.tasks.count)
                #expect(HTMLScan.values(of: "data-event-id", in: page) == detail.triggeringEvents.map { "\($0.id)" })
            }
            let (_, assetsPage) = try await Self.get(client, "/ui/assets")
            #expect(HTMLScan.links(class: "asset-link", in: assetsPage) == assets.map { "/ui/assets/\($0.id)" })
            for asset in assets {
                let (status, page) = try await Self.get(client, "/ui/assets/\(asset.id)")
                #expect(status == .ok)
                let events = try await store.events(of: asset.key)
                #expect(HTMLScan.values(of: "data-event-id", in: page) == events.map { "\($0.id)" })
            }
            let (_, letters) = try await Self.get(client, "/ui/dead-letters")
            let waiting = try await fixture.database.deadLetters.list()
            #expect(HTMLScan.values(of: "data-letter-id", in: letters) == waiting.map { "\($0.id)" })
            let (_, watchers) = try await Self.get(client, "/ui/watchers")
            #expect(HTMLScan.count(class: "source", in: watchers) == 1)
            #expect(HTMLScan.values(of: "id", in: watchers).contains("store-only"))
        }
    }

    @Test func unknownDagsRunsAndAssetsAre404() async throws {
        let fixture = try await ConsoleFixture()
        try await withConsole(fixture) { client in
            for path in ["/ui/dags/nope", "/ui/dags/build_report/runs/nope", "/ui/assets/999", "/ui/assets/x"] {
                let (status, _) = try await Self.get(client, path)
                #expect(status == .notFound, "\(path)")
            }
        }
    }

    @Test func everythingShownIsEscaped() async throws {
        let fixture = try await ConsoleFixture()
        let orders = try #require(try await fixture.store.assets().first { $0.key == ConsoleDemo.orders.key })
        try await withConsole(fixture) { client in
            for path in ["/ui/assets/\(orders.id)", "/ui/dags/build_report", "/ui/dead-letters"] {
                let (_, page) = try await Self.get(client, path)
                #expect(
                    !page.contains("<script>") && !page.contains("<b>bold") && !page.contains("<i>at all"), "\(path)")
            }
            let (_, page) = try await Self.get(client, "/ui/assets/\(orders.id)")
            #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            // A path parameter is shown escaped too.
            let (status, refused) = try await Self.get(client, "/ui/dags/%3Cscript%3E")
            #expect(status == .notFound && !refused.contains("<script>") && refused.contains("&lt;script&gt;"))
        }
    }

    @Test func aRedriveWithoutTheConsolesTokenIsRefusedWith403AndChangesNothing() async throws {
        let fixture = try await ConsoleFixture()
        let letter = try #require(try await fixture.database.deadLetters.list().first)
        try await withConsole(fixture) { client in
            let withoutToken = try await Self.redrive(client, letter.id, token: nil)
            let forged = try await Self.redrive(client, letter.id, token: String(repeating: "0", count: 64))
            #expect(withoutToken.status == .forbidden && forged.status == .forbidden)
        }
        #expect(try await fixture.database.deadLetters.list().map(\.id).contains(letter.id))
        #expect(try await EmbeddedQueue(database: fixture.database).counts(ConsoleDemo.paymentsQueue).visible == 0)
    }

    @Test func aRedriveSendsTheMessageBackToItsQueueAndTheLetterLeavesTheQueue() async throws {
        let fixture = try await ConsoleFixture()
        let letters = try await fixture.database.deadLetters.list()
        let letter = try #require(letters.first)
        try await withConsole(fixture) { client in
            let (_, page) = try await Self.get(client, "/ui/dead-letters")
            let token = try #require(HTMLScan.csrfToken(in: page))
            let response = try await Self.redrive(client, letter.id, token: token)
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            let (_, after) = try await Self.get(client, location)
            #expect(HTMLScan.values(of: "id", in: after).contains("flash"))
            #expect(
                HTMLScan.values(of: "data-letter-id", in: after) == letters.map { "\($0.id)" }.filter {
                    $0 != "\(letter.id)"
                } + ["\(letter.id)"])
            // Again: it is not waiting any more, so nothing is sent twice.
            let again = try await Self.redrive(client, letter.id, token: token)
            #expect(again.status == .seeOther)
        }
        let waiting = try await fixture.database.deadLetters.list()
        #expect(waiting.map(\.id) == letters.dropFirst().map(\.id))
        let redriven = try await fixture.database.deadLetters.list(includingRedriven: true).first { $0.id == letter.id }
        #expect(redriven?.redrivenAt != nil)
        let queues = EmbeddedQueue(database: fixture.database)
        let sentBack = try await queues.receive(ConsoleDemo.paymentsQueue, limit: 10)
        #expect(sentBack.map(\.body) == [letter.payload["body"]?.stringValue ?? letter.payload["body"]?.jsonText])
    }

    @Test func withALiveRuntimeTheWatchersAreLiveAndDagsListTheirTasks() async throws {
        let database = try TemporaryDatabase.make("console")
        let orchestrator = Orchestrator(database: database)
        let trigger = ManualTrigger()
        let watched = ConsoleDemo.payments.watched(by: [AssetWatcher(name: "live_watcher", trigger: trigger)])
        let dag = try DAG(
            "audit", schedule: .on([watched]),
            tasks: [TaskDefinition("check") { _ in .none }, TaskDefinition("file", upstream: ["check"]) { _ in .none }])
        try await orchestrator.register(dags: [dag], assets: [watched])
        let console = try WebConsole(
            store: try ConsoleStore(database: database), scheduler: orchestrator.scheduler,
            triggerer: orchestrator.triggerer)
        try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "live_watcher", state: .running)
            trigger.fire(["id": "p-9"], messageId: "m-1")
            _ = try await orchestrator.triggerer.waitFor(watcher: "live_watcher") { $0.eventsRecorded == 1 }
            try await EventideHTTPServer(components: [console]).application().test(.router) { client in
                let (_, watchers) = try await Self.get(client, "/ui/watchers")
                #expect(HTMLScan.values(of: "id", in: watchers).contains("live-watchers"))
                #expect(HTMLScan.count(class: "watcher", in: watchers) == 1)
                #expect(watchers.contains("state-healthy"))
                let (_, audit) = try await Self.get(client, "/ui/dags/audit")
                #expect(HTMLScan.values(of: "id", in: audit).contains("tasks"))
            }
        }
    }

    @Test func theToolRefusesAPathWithoutAStoreAndCreatesNothing() throws {
        let missing = try TemporaryDatabase.folder("console").appendingPathComponent("missing.sqlite").path
        let result = try BuiltProduct.run("eventide-console", ["--db", missing, "--port", "0"])
        #expect(result.status != 0)
        #expect(!FileManager.default.fileExists(atPath: missing))
    }
}

extension EventideDatabase {
    /// The runtime's dead-letter queue of this store.
    fileprivate var deadLetters: DeadLetterQueue { DeadLetterQueue(database: self) }
}
