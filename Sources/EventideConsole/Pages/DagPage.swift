import Eventide

/// `/ui/dags/{dag_id}`: the DAG's schedule and queue, its tasks when the runtime is live, and its runs.
struct DagPage: Sendable {
    static let name = "dag"

    struct TaskDefinitionItem: Sendable {
        let taskId: String
        let upstream: String
        let outlets: String
    }

    let chrome: Layout.Chrome
    let head: DagsPage.DagItem
    let dagId: String
    let tasks: [TaskDefinitionItem]
    let hasTasks: Bool
    let events: [EventItem]
    let hasEvents: Bool
    let runs: [RunItem]
    let hasRuns: Bool

    init(
        _ row: ConsoleStore.DagRow, definition: DAG?, queued: [ConsoleStore.EventRow], runs: [ConsoleStore.RunRow],
        chrome: Layout.Chrome
    ) {
        self.chrome = chrome
        head = DagsPage.DagItem(row)
        dagId = row.dagId
        let order = (try? definition?.topologicalOrder()) ?? []
        tasks = order.compactMap { definition?.task($0) }.map { task in
            TaskDefinitionItem(
                taskId: task.taskId, upstream: task.upstream.isEmpty ? "—" : task.upstream.joined(separator: ", "),
                outlets: task.outlets.isEmpty ? "—" : task.outlets.map(\.name).joined(separator: ", "))
        }
        hasTasks = !tasks.isEmpty
        events = queued.map(EventItem.init)
        hasEvents = !events.isEmpty
        self.runs = runs.map(RunItem.init)
        hasRuns = !self.runs.isEmpty
    }

    static let template = """
        {{<layout}}
        {{$title}}DAG {{dagId}}{{/title}}
        {{$content}}
        <h1>DAG <code>{{dagId}}</code></h1>
        {{#head}}
        <table id="schedule">
        <tr><th>schedule</th><td>{{schedule}}{{#paused}} <span class="state state-queued">paused</span>{{/paused}}</td></tr>
        <tr><th>condition</th><td>{{#condition}}<code>{{.}}</code>{{/condition}}{{^condition}}<span class="muted">none</span>{{/condition}}</td></tr>
        <tr><th>queued</th><td><ul class="inline">{{#queued}}<li>{{.}}</li>{{/queued}}</ul>{{^hasQueued}}<span class="muted">nothing</span>{{/hasQueued}}</td></tr>
        <tr><th>still awaits</th><td class="awaiting"><ul class="inline">{{#awaiting}}<li>{{.}}</li>{{/awaiting}}</ul>{{#conditionHolds}}<span class="muted">nothing: the condition holds</span>{{/conditionHolds}}{{^condition}}<span class="muted">—</span>{{/condition}}</td></tr>
        <tr><th>runs</th><td>{{runs}}</td></tr>
        </table>
        {{/head}}
        {{#hasTasks}}
        <h2>Tasks</h2>
        <table id="tasks"><tr><th>task</th><th>upstream</th><th>outlets</th></tr>
        {{#tasks}}<tr><td>{{taskId}}</td><td>{{upstream}}</td><td>{{outlets}}</td></tr>{{/tasks}}
        </table>
        {{/hasTasks}}
        <h2>Queued asset events</h2>
        {{#hasEvents}}{{>events}}{{/hasEvents}}
        {{^hasEvents}}<p class="muted">No events are queued for this DAG.</p>{{/hasEvents}}
        <h2>Runs</h2>
        {{#hasRuns}}{{>runs}}{{/hasRuns}}
        {{^hasRuns}}<p class="muted">No runs yet.</p>{{/hasRuns}}
        {{/content}}
        {{/layout}}
        """
}
