/// `/ui/assets/{id}`: an asset's event history, newest first, with the DAGs each event is queued for and the runs
/// it triggered.
struct AssetPage: Sendable {
    static let name = "asset"

    let chrome: Layout.Chrome
    let name: String
    let uri: String
    let group: String
    let total: Int
    let shown: Int
    let events: [EventItem]
    let hasEvents: Bool

    init(_ row: ConsoleStore.AssetRow, events: [ConsoleStore.EventRow], chrome: Layout.Chrome) {
        self.chrome = chrome
        name = row.key.name
        uri = row.key.uri
        group = row.group
        total = row.events
        shown = events.count
        self.events = events.map(EventItem.init)
        hasEvents = !events.isEmpty
    }

    static let template = """
        {{<layout}}
        {{$title}}Asset {{name}}{{/title}}
        {{$content}}
        <h1>Asset <code>{{name}}</code></h1>
        <p><code>{{uri}}</code> · group {{group}} · {{total}} events{{#hasEvents}} (the latest {{shown}} below){{/hasEvents}}</p>
        {{#hasEvents}}{{>events}}{{/hasEvents}}
        {{^hasEvents}}<p class="muted">No events recorded for this asset.</p>{{/hasEvents}}
        {{/content}}
        {{/layout}}
        """
}
