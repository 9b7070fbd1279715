import Eventide

/// An asset event as the pages show it: when, which asset, who recorded it, its extra, and where it went.
struct EventItem: Sendable {
    let id: Int64
    let time: String
    let asset: Link
    let source: String
    /// The run whose task recorded it, for a task's event.
    let sourceRun: Link?
    let extra: String
    let alias: String?
    let queuedFor: [Link]
    let triggeredRuns: [Link]
    let hasQueued: Bool
    let hasRuns: Bool

    init(_ row: ConsoleStore.EventRow) {
        id = row.id
        time = ConsoleFormat.time(row.timestamp)
        asset = Link(text: row.asset.description, href: row.assetId.map(ConsoleFormat.assetPath) ?? "/ui/assets")
        source = row.source.description
        if case .task(let dagId, let runId, _) = row.source {
            sourceRun = Link(text: runId, href: ConsoleFormat.runPath(DagRunRef(dagId: dagId, runId: runId)))
        } else {
            sourceRun = nil
        }
        extra = row.extra
        alias = row.alias
        queuedFor = row.queuedFor.map { Link(text: $0, href: ConsoleFormat.dagPath($0)) }
        triggeredRuns = row.triggeredRuns.map { Link(text: $0.description, href: ConsoleFormat.runPath($0)) }
        hasQueued = !queuedFor.isEmpty
        hasRuns = !triggeredRuns.isEmpty
    }

    /// The table of events, as a partial (`{{> events}}` inside a section over an `events` array).
    static let partialName = "events"
    static let partial = """
        <table class="events"><tr><th>id</th><th>recorded</th><th>asset</th><th>source</th><th>extra</th><th>queued for</th><th>triggered</th></tr>
        {{#events}}<tr class="event" data-event-id="{{id}}"><td>{{id}}</td><td>{{time}}</td>{{#asset}}<td><a href="{{href}}">{{text}}</a></td>{{/asset}}<td>{{source}}{{#sourceRun}} <a href="{{href}}">run</a>{{/sourceRun}}{{#alias}}<br><span class="muted">via alias {{.}}</span>{{/alias}}</td><td><pre>{{extra}}</pre></td><td>{{#queuedFor}}<a href="{{href}}">{{text}}</a> {{/queuedFor}}{{^hasQueued}}<span class="muted">—</span>{{/hasQueued}}</td><td>{{#triggeredRuns}}<a href="{{href}}">{{text}}</a><br>{{/triggeredRuns}}{{^hasRuns}}<span class="muted">—</span>{{/hasRuns}}</td></tr>
        {{/events}}
        </table>
        """
}
