import Eventide
import EventideHTTP
import Foundation
import Hummingbird
import Mustache

/// The web console at `/ui`: server-rendered HTML (Mustache templates, no JavaScript) over the console's read model.
///
/// Pages: the overview (`/ui`), DAGs with their schedule condition and what it still awaits (`/ui/dags`, one DAG
/// with its queue and runs at `/ui/dags/{dag_id}`), runs with their task states and triggering events (`/ui/runs`,
/// `/ui/dags/{dag_id}/runs/{run_id}`), assets with their event history (`/ui/assets`, `/ui/assets/{id}`), watchers
/// (`/ui/watchers`) and dead letters with redrive, discard and edit buttons (`/ui/dead-letters`, which POSTs to
/// `/ui/dead-letters/{id}/redrive`, `…/discard` with a reason and `…/edit` with a JSON payload, each with the
/// console's CSRF token; without it the answer is 403).
///
/// Every value is HTML-escaped by the templates (Mustache's `{{…}}`; the templates never use the unescaped form).
/// With a live `Scheduler` the DAG pages also list the DAGs' tasks, and with a live `Triggerer` the watchers page
/// shows their state, health, lag and last error; without them the console shows what the store has.
///
/// ```swift
/// let store = try ConsoleStore(database: database)
/// let console = try WebConsole(store: store, scheduler: orchestrator.scheduler, triggerer: orchestrator.triggerer)
/// try await EventideHTTPServer(components: [console]).withRunning { running in … }   // running.baseURL + "/ui"
/// ```
public struct WebConsole: HTTPComponent {
    public let store: ConsoleStore
    public let redrive: DeadLetterRedrive
    public let scheduler: Scheduler?
    public let triggerer: Triggerer?
    private let library: MustacheLibrary
    private let csrf = CSRFToken()
    /// Runs listed on `/ui/runs`, events on an asset's page.
    private let listLimit = 200

    public init(
        store: ConsoleStore, redrive: DeadLetterRedrive? = nil, scheduler: Scheduler? = nil, triggerer: Triggerer? = nil
    ) throws(ConsoleError) {
        self.store = store
        self.redrive =
            redrive
            ?? DeadLetterRedrive(deadLetters: triggerer?.deadLetters ?? DeadLetterQueue(database: store.database))
        self.scheduler = scheduler
        self.triggerer = triggerer
        library = try Self.makeLibrary()
    }

    /// Every template, parsed once: a template that does not parse is a `ConsoleError.invalidTemplate` here.
    static func makeLibrary() throws(ConsoleError) -> MustacheLibrary {
        let templates = [
            (Layout.name, Layout.template), (EventItem.partialName, EventItem.partial),
            (RunItem.partialName, RunItem.partial), (OverviewPage.name, OverviewPage.template),
            (DagsPage.name, DagsPage.template), (DagPage.name, DagPage.template), (RunsPage.name, RunsPage.template),
            (RunPage.name, RunPage.template), (AssetsPage.name, AssetsPage.template),
            (AssetPage.name, AssetPage.template), (WatchersPage.name, WatchersPage.template),
            (DeadLettersPage.name, DeadLettersPage.template), (ErrorPage.name, ErrorPage.template),
        ]
        var library = MustacheLibrary()
        for (name, text) in templates {
            do {
                try library.register(text, named: name)
            } catch {
                throw ConsoleError.invalidTemplate(name: name, reason: "\(error)")
            }
        }
        return library
    }

    private var chrome: Layout.Chrome {
        Layout.Chrome(storePath: store.database.path, live: scheduler != nil || triggerer != nil)
    }

    public func register(on router: Router<EventideRequestContext>) {
        router.get("/ui") { _, _ in
            await respond { html(OverviewPage(try await store.overview(), chrome: chrome), OverviewPage.name) }
        }
        router.get("/ui/dags") { _, _ in
            await respond { html(DagsPage(try await store.dags(), chrome: chrome), DagsPage.name) }
        }
        router.get("/ui/dags/:dag_id") { _, context in
            await respond {
                let dagId = try parameter("dag_id", context, missing: "That DAG")
                guard let row = try await store.dag(dagId) else { throw ConsoleRefusal.notFound("DAG '\(dagId)'") }
                let definition = try? await scheduler?.dag(dagId)
                let page = DagPage(
                    row, definition: definition, queued: try await store.queuedEvents(dagId: dagId),
                    runs: try await store.runs(dagId: dagId, limit: listLimit), chrome: chrome)
                return html(page, DagPage.name)
            }
        }
        router.get("/ui/dags/:dag_id/runs/:run_id") { _, context in
            await respond {
                let ref = DagRunRef(
                    dagId: try parameter("dag_id", context, missing: "That DAG"),
                    runId: try parameter("run_id", context, missing: "That run"))
                guard let detail = try await store.run(ref) else { throw ConsoleRefusal.notFound("Run '\(ref)'") }
                return html(RunPage(detail, chrome: chrome), RunPage.name)
            }
        }
        router.get("/ui/runs") { _, _ in
            await respond {
                html(RunsPage(try await store.runs(limit: listLimit), limit: listLimit, chrome: chrome), RunsPage.name)
            }
        }
        router.get("/ui/assets") { _, _ in
            await respond { html(AssetsPage(try await store.assets(), chrome: chrome), AssetsPage.name) }
        }
        router.get("/ui/assets/:id") { _, context in
            await respond {
                guard let id = context.parameters.get("id", as: Int64.self), let row = try await store.asset(id: id)
                else { throw ConsoleRefusal.notFound("That asset") }
                let events = try await store.events(of: row.key, limit: listLimit)
                return html(AssetPage(row, events: events, chrome: chrome), AssetPage.name)
            }
        }
        router.get("/ui/watchers") { _, _ in
            await respond {
                let statuses = await triggerer?.statuses
                let page = WatchersPage(statuses: statuses, sources: try await store.sources(), chrome: chrome)
                return html(page, WatchersPage.name)
            }
        }
        router.get("/ui/dead-letters") { request, _ in
            await respond {
                let letters = try await redrive.deadLetters.list(includingRedriven: true)
                let query = request.uri.queryParameters
                let flash =
                    Self.flash(redriven: query["redriven"], outcome: query["outcome"], to: query["to"])
                    ?? Self.flash(discarded: query["discarded"], edited: query["edited"], outcome: query["outcome"])
                let page = DeadLettersPage(letters: letters, csrfToken: csrf.value, flash: flash, chrome: chrome)
                return html(page, DeadLettersPage.name)
            }
        }
        router.post("/ui/dead-letters/:id/redrive") { request, context in
            await respond {
                let body = try await request.body.collect(upTo: 16 * 1024)
                let form = try? URLEncodedFormDecoder().decode(RedriveForm.self, from: String(buffer: body))
                guard csrf.accepts(form?.csrfToken) else { throw ConsoleRefusal.badToken }
                guard let id = context.parameters.get("id", as: Int64.self) else {
                    throw ConsoleRefusal.notFound("That dead letter")
                }
                let outcome = try await redrive.redrive(id)
                return .redirect(to: "/ui/dead-letters?" + Self.flashQuery(id: id, outcome), type: .normal)
            }
        }
        router.post("/ui/dead-letters/:id/discard") { request, context in
            await respond {
                let (id, form) = try await letterForm(request, context)
                guard let reason = form.reason?.trimmingCharacters(in: .whitespacesAndNewlines), !reason.isEmpty
                else { throw ConsoleRefusal.badRequest("Say why the letter is discarded: the reason is kept with it.") }
                let done = try await waitingLetterChange(id) {
                    try await redrive.deadLetters.discard([id], reason: reason)
                }
                return .redirect(
                    to: "/ui/dead-letters?discarded=\(id)" + (done ? "" : "&outcome=not-waiting"), type: .normal)
            }
        }
        router.post("/ui/dead-letters/:id/edit") { request, context in
            await respond {
                let (id, form) = try await letterForm(request, context)
                let payload: JSONValue
                do {
                    payload = try JSONValue.parse(form.payload ?? "")
                } catch {
                    throw ConsoleRefusal.badRequest("The payload is not JSON (\(error)): nothing was changed.")
                }
                let done = try await waitingLetterChange(id) {
                    try await redrive.deadLetters.edit(id, payload: payload)
                }
                return .redirect(
                    to: "/ui/dead-letters?edited=\(id)" + (done ? "" : "&outcome=not-waiting"), type: .normal)
            }
        }
    }

    // MARK: Responses

    /// Renders a page, or the error page for what `make` throws: a refusal's status and message, a Hummingbird
    /// error's status (413 for a body too large), or 500 with the error for a store that cannot be read.
    private func respond(_ make: () async throws -> Response) async -> Response {
        do {
            return try await make()
        } catch let refusal as ConsoleRefusal {
            return html(
                ErrorPage(chrome: chrome, status: Int(refusal.status.code), message: refusal.message), ErrorPage.name,
                status: refusal.status)
        } catch let error as any HTTPResponseError {
            let page = ErrorPage(chrome: chrome, status: Int(error.status.code), message: "\(error)")
            return html(page, ErrorPage.name, status: error.status)
        } catch {
            let page = ErrorPage(
                chrome: chrome, status: 500, message: "The store could not be read: \(error)")
            return html(page, ErrorPage.name, status: .internalServerError)
        }
    }

    private func html(_ page: Any, _ template: String, status: HTTPResponse.Status = .ok) -> Response {
        let body = library.render(page, withTemplate: template) ?? ""
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        // No script may run, styles only inline, forms only to the console, no framing.
        headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// A path parameter, percent-decoded (the router matches the raw path; links encode each segment).
    private func parameter(_ name: String, _ context: EventideRequestContext, missing: String) throws -> String {
        guard let raw = context.parameters.get(name), let decoded = raw.removingPercentEncoding else {
            throw ConsoleRefusal.notFound(missing)
        }
        return decoded
    }

    // MARK: Redrive

    private struct RedriveForm: Decodable {
        let csrfToken: String?
        enum CodingKeys: String, CodingKey { case csrfToken = "csrf_token" }
    }

    /// The discard and edit forms: the token, the discard's reason, the edited payload.
    private struct LetterForm: Decodable {
        let csrfToken: String?
        let reason: String?
        let payload: String?
        enum CodingKeys: String, CodingKey { case csrfToken = "csrf_token", reason, payload }
    }

    /// A letter form's id and fields, once its CSRF token is the console's.
    private func letterForm(_ request: Request, _ context: EventideRequestContext) async throws -> (Int64, LetterForm) {
        let body = try await request.body.collect(upTo: 256 * 1024)
        let form = try? URLEncodedFormDecoder().decode(LetterForm.self, from: String(buffer: body))
        guard let form, csrf.accepts(form.csrfToken) else { throw ConsoleRefusal.badToken }
        guard let id = context.parameters.get("id", as: Int64.self) else {
            throw ConsoleRefusal.notFound("That dead letter")
        }
        return (id, form)
    }

    /// Runs `change` on a waiting letter: `false` when the letter was not waiting (nothing changed), a 404 when
    /// there is no such letter.
    private func waitingLetterChange(_ id: Int64, _ change: () async throws -> some Any) async throws -> Bool {
        do {
            _ = try await change()
            return true
        } catch DeadLetterError.notWaiting {
            return false
        } catch DeadLetterError.notFound {
            throw ConsoleRefusal.notFound("That dead letter")
        }
    }

    /// The message after a discard or an edit.
    static func flash(discarded: Substring?, edited: Substring?, outcome: Substring?) -> String? {
        if let id = discarded.flatMap({ Int64($0) }) {
            return outcome == "not-waiting"
                ? "Dead letter \(id) was not waiting (redriven or discarded already?): nothing was done."
                : "Dead letter \(id) was discarded: it left the dead-letter queue and is kept below with the reason."
        }
        if let id = edited.flatMap({ Int64($0) }) {
            return outcome == "not-waiting"
                ? "Dead letter \(id) was not waiting (redriven or discarded already?): nothing was changed."
                : "Dead letter \(id) was edited (its original event is kept): redrive it to process the new payload."
        }
        return nil
    }

    /// The query the redirect after a redrive carries, for the message the dead-letters page shows.
    static func flashQuery(id: Int64, _ outcome: DeadLetterRedrive.Outcome) -> String {
        switch outcome {
        case .republished(let destination):
            "redriven=\(id)&outcome=republished&to=\(ConsoleFormat.segment(destination))"
        case .marked: "redriven=\(id)&outcome=marked"
        case .notWaiting: "redriven=\(id)&outcome=not-waiting"
        }
    }

    static func flash(redriven: Substring?, outcome: Substring?, to destination: Substring?) -> String? {
        guard let id = redriven.flatMap({ Int64($0) }) else { return nil }
        switch outcome {
        case "republished":
            return "Dead letter \(id) was sent back to \(destination ?? "its source") and left the dead-letter queue."
        case "marked":
            return "Dead letter \(id) was marked redriven and left the dead-letter queue. Nothing was re-published: "
                + "its source is not an embedded queue of this store, so re-publish it where its source reads."
        case "not-waiting":
            return "Dead letter \(id) was not waiting (redriven already?): nothing was done."
        default:
            return nil
        }
    }
}
