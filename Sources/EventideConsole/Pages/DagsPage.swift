import Eventide

/// `/ui/dags`: every DAG with its schedule, what is queued for it and what it still awaits.
struct DagsPage: Sendable {
    static let name = "dags"

    /// A DAG's schedule as the pages show it (also the head of the DAG's own page).
    struct DagItem: Sendable {
        let dag: Link
        let paused: Bool
        let schedule: String
        let condition: String?
        let queued: [String]
        let awaiting: [String]
        let hasQueued: Bool
        let isWaiting: Bool
        /// It has a condition and nothing of it is awaited: the next evaluation makes a run (unless paused or at
        /// its maximum of active runs).
        let conditionHolds: Bool
        let runs: String

        init(_ row: ConsoleStore.DagRow) {
            dag = Link(text: row.dagId, href: ConsoleFormat.dagPath(row.dagId))
            paused = row.isPaused
            schedule = row.timetableSummary ?? "not recorded in this store"
            condition = row.condition?.description
            queued = row.queued.map { "\($0.asset.name) × \($0.events)" }
            awaiting = row.awaiting.map(\.description)
            hasQueued = !queued.isEmpty
            isWaiting = !awaiting.isEmpty
            conditionHolds = row.condition != nil && awaiting.isEmpty
            runs = ConsoleFormat.runCounts(row.runs)
        }
    }

    let chrome: Layout.Chrome
    let dags: [DagItem]
    let hasDags: Bool

    init(_ rows: [ConsoleStore.DagRow], chrome: Layout.Chrome) {
        self.chrome = chrome
        dags = rows.map(DagItem.init)
        hasDags = !dags.isEmpty
    }

    static let template = """
        {{<layout}}
        {{$title}}DAGs{{/title}}
        {{$content}}
        <h1>DAGs</h1>
        {{#hasDags}}
        <table id="dags"><tr><th>DAG</th><th>schedule</th><th>condition</th><th>queued</th><th>still awaits</th><th>runs</th></tr>
        {{#dags}}<tr class="dag">{{#dag}}<td><a class="dag-link" href="{{href}}">{{text}}</a></td>{{/dag}}<td>{{schedule}}{{#paused}} <span class="state state-queued">paused</span>{{/paused}}</td><td>{{#condition}}<code>{{.}}</code>{{/condition}}{{^condition}}<span class="muted">—</span>{{/condition}}</td><td><ul class="inline">{{#queued}}<li>{{.}}</li>{{/queued}}</ul>{{^hasQueued}}<span class="muted">nothing</span>{{/hasQueued}}</td><td class="awaiting"><ul class="inline">{{#awaiting}}<li>{{.}}</li>{{/awaiting}}</ul>{{#conditionHolds}}<span class="muted">nothing: the condition holds</span>{{/conditionHolds}}</td><td>{{runs}}</td></tr>
        {{/dags}}
        </table>
        {{/hasDags}}
        {{^hasDags}}<p class="muted">The store has no DAGs.</p>{{/hasDags}}
        {{/content}}
        {{/layout}}
        """
}
