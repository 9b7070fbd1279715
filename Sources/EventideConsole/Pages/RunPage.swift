/// `/ui/dags/{dag_id}/runs/{run_id}`: a run's task instances and the asset events that triggered it.
struct RunPage: Sendable {
    static let name = "run"

    struct TaskItem: Sendable {
        let taskId: String
        let state: String
        let tryNumber: Int
        let startedAt: String
        let endedAt: String
        let duration: String
        let note: String?
    }

    let chrome: Layout.Chrome
    let run: RunItem
    let runId: String
    let logicalDate: String
    let tasks: [TaskItem]
    let events: [EventItem]
    let hasEvents: Bool

    init(_ detail: ConsoleStore.RunDetail, chrome: Layout.Chrome) {
        self.chrome = chrome
        run = RunItem(detail.run)
        runId = detail.run.ref.runId
        logicalDate = ConsoleFormat.time(detail.run.logicalDate)
        tasks = detail.tasks.map { task in
            TaskItem(
                taskId: task.taskId, state: task.state.rawValue, tryNumber: task.tryNumber,
                startedAt: ConsoleFormat.time(task.startedAt), endedAt: ConsoleFormat.time(task.endedAt),
                duration: ConsoleFormat.duration(from: task.startedAt, to: task.endedAt), note: task.note)
        }
        events = detail.triggeringEvents.map(EventItem.init)
        hasEvents = !events.isEmpty
    }

    static let template = """
        {{<layout}}
        {{$title}}Run {{runId}}{{/title}}
        {{$content}}
        {{#run}}
        <h1>Run <code>{{runId}}</code> of {{#dag}}<a href="{{href}}">{{text}}</a>{{/dag}}</h1>
        <table id="run">
        <tr><th>state</th><td><span class="state state-{{state}}">{{state}}</span></td></tr>
        <tr><th>type</th><td>{{runType}}</td></tr>
        <tr><th>queued</th><td>{{queuedAt}}</td></tr>
        <tr><th>started</th><td>{{startedAt}}</td></tr>
        <tr><th>ended</th><td>{{endedAt}} ({{duration}})</td></tr>
        {{#note}}<tr><th>note</th><td>{{.}}</td></tr>{{/note}}
        </table>
        {{/run}}
        <p class="muted">Logical date: {{logicalDate}}</p>
        <h2>Task instances</h2>
        <table id="tasks"><tr><th>task</th><th>state</th><th>try</th><th>started</th><th>ended</th><th>duration</th><th>note</th></tr>
        {{#tasks}}<tr class="task"><td>{{taskId}}</td><td><span class="state state-{{state}}">{{state}}</span></td><td>{{tryNumber}}</td><td>{{startedAt}}</td><td>{{endedAt}}</td><td>{{duration}}</td><td>{{#note}}<pre>{{.}}</pre>{{/note}}</td></tr>
        {{/tasks}}
        </table>
        <h2>Triggering asset events</h2>
        {{#hasEvents}}{{>events}}{{/hasEvents}}
        {{^hasEvents}}<p class="muted">None: this run was not triggered by asset events.</p>{{/hasEvents}}
        {{/content}}
        {{/layout}}
        """
}
