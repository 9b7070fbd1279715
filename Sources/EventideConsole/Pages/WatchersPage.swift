import Eventide
import Foundation

/// `/ui/watchers`: with a live triggerer, each watcher's state, health, lag and last error; always, what the store
/// has of every watcher and dead-letter source (events recorded, dead letters and their latest reason). A store
/// opened without its runtime has no live state: the page says so and shows the store's part only.
struct WatchersPage: Sendable {
    static let name = "watchers"

    struct LiveItem: Sendable {
        let name: String
        let asset: String
        let trigger: String
        let state: String
        let health: String
        let eventsSeen: Int
        let eventsRecorded: Int
        let duplicates: Int
        let filtered: Int
        let deadLettered: Int
        let restarts: Int
        let lastEventAt: String
        let lag: String
        let lastError: String?
    }

    struct SourceItem: Sendable {
        let name: String
        let assets: String
        let eventsRecorded: Int
        let lastEventAt: String
        let deadLettersWaiting: Int
        let deadLettersTotal: Int
        let lastDeadLetterReason: String?
        let lastDeadLetterAt: String
    }

    let chrome: Layout.Chrome
    let live: [LiveItem]
    let hasLive: Bool
    let sources: [SourceItem]
    let hasSources: Bool

    init(statuses: [WatcherStatus]?, sources: [ConsoleStore.SourceRow], chrome: Layout.Chrome) {
        self.chrome = chrome
        live = (statuses ?? []).map { status in
            LiveItem(
                name: status.name, asset: status.asset.description, trigger: status.trigger,
                state: status.state.rawValue, health: status.isHealthy ? "healthy" : "unhealthy",
                eventsSeen: status.eventsSeen, eventsRecorded: status.eventsRecorded, duplicates: status.duplicates,
                filtered: status.filtered, deadLettered: status.deadLettered, restarts: status.restarts,
                lastEventAt: ConsoleFormat.time(status.lastEventAt),
                lag: status.lastLag.map { ConsoleFormat.seconds($0.inSeconds) } ?? "—", lastError: status.lastError)
        }
        hasLive = statuses != nil
        self.sources = sources.map { row in
            SourceItem(
                name: row.name, assets: row.assets.isEmpty ? "—" : row.assets.map(\.name).joined(separator: ", "),
                eventsRecorded: row.eventsRecorded, lastEventAt: ConsoleFormat.time(row.lastEventAt),
                deadLettersWaiting: row.deadLettersWaiting, deadLettersTotal: row.deadLettersTotal,
                lastDeadLetterReason: row.lastDeadLetterReason,
                lastDeadLetterAt: ConsoleFormat.time(row.lastDeadLetterAt))
        }
        hasSources = !self.sources.isEmpty
    }

    static let template = """
        {{<layout}}
        {{$title}}Watchers{{/title}}
        {{$content}}
        <h1>Watchers</h1>
        {{#hasLive}}
        <h2>Live</h2>
        <table id="live-watchers"><tr><th>watcher</th><th>asset</th><th>state</th><th>seen</th><th>recorded</th><th>duplicates</th><th>filtered</th><th>dead-lettered</th><th>restarts</th><th>last event</th><th>last lag</th><th>last error</th></tr>
        {{#live}}<tr class="watcher"><td>{{name}}<br><span class="muted">{{trigger}}</span></td><td>{{asset}}</td><td><span class="state state-{{health}}">{{state}}</span></td><td>{{eventsSeen}}</td><td>{{eventsRecorded}}</td><td>{{duplicates}}</td><td>{{filtered}}</td><td>{{deadLettered}}</td><td>{{restarts}}</td><td>{{lastEventAt}}</td><td>{{lag}}</td><td>{{#lastError}}<pre>{{.}}</pre>{{/lastError}}{{^lastError}}<span class="muted">none</span>{{/lastError}}</td></tr>
        {{/live}}
        </table>
        {{/hasLive}}
        {{^hasLive}}<p class="muted" id="store-only">No live triggerer: this console reads a store, which keeps what watchers recorded and dead-lettered, not their state, health, lag or last error. Serve the console from the program that runs the watchers to see those.</p>{{/hasLive}}
        <h2>In the store</h2>
        {{#hasSources}}
        <table id="sources"><tr><th>watcher or source</th><th>assets</th><th>events recorded</th><th>last event</th><th>dead letters waiting</th><th>dead letters in all</th><th>latest dead letter</th></tr>
        {{#sources}}<tr class="source"><td>{{name}}</td><td>{{assets}}</td><td>{{eventsRecorded}}</td><td>{{lastEventAt}}</td><td>{{deadLettersWaiting}}</td><td>{{deadLettersTotal}}</td><td>{{#lastDeadLetterReason}}<pre>{{.}}</pre><span class="muted">{{lastDeadLetterAt}}</span>{{/lastDeadLetterReason}}{{^lastDeadLetterReason}}<span class="muted">—</span>{{/lastDeadLetterReason}}</td></tr>
        {{/sources}}
        </table>
        {{/hasSources}}
        {{^hasSources}}<p class="muted">No watcher has recorded an event and nothing was dead-lettered.</p>{{/hasSources}}
        {{/content}}
        {{/layout}}
        """
}
