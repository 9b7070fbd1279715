import Eventide

/// A run as the run lists show it.
struct RunItem: Sendable {
    let dag: Link
    let run: Link
    let runType: String
    let state: String
    let queuedAt: String
    let startedAt: String
    let endedAt: String
    let duration: String
    let triggeringEvents: Int
    let note: String?

    init(_ row: ConsoleStore.RunRow) {
        dag = Link(text: row.ref.dagId, href: ConsoleFormat.dagPath(row.ref.dagId))
        run = Link(text: row.ref.runId, href: ConsoleFormat.runPath(row.ref))
        runType = row.runType.rawValue
        state = row.state.rawValue
        queuedAt = ConsoleFormat.time(row.queuedAt)
        startedAt = ConsoleFormat.time(row.startedAt)
        endedAt = ConsoleFormat.time(row.endedAt)
        duration = ConsoleFormat.duration(from: row.startedAt, to: row.endedAt)
        triggeringEvents = row.triggeringEvents
        note = row.note
    }

    /// The table of runs, as a partial (`{{> runs}}` with a `runs` array in the context).
    static let partialName = "runs"
    static let partial = """
        <table class="runs"><tr><th>DAG</th><th>run</th><th>type</th><th>state</th><th>queued</th><th>started</th><th>ended</th><th>duration</th><th>triggering events</th></tr>
        {{#runs}}<tr class="run">{{#dag}}<td><a href="{{href}}">{{text}}</a></td>{{/dag}}{{#run}}<td><a class="run-link" href="{{href}}">{{text}}</a></td>{{/run}}<td>{{runType}}</td><td><span class="state state-{{state}}">{{state}}</span></td><td>{{queuedAt}}</td><td>{{startedAt}}</td><td>{{endedAt}}</td><td>{{duration}}</td><td>{{triggeringEvents}}</td></tr>
        {{/runs}}
        </table>
        """
}
