/// `/ui/assets`: every asset with how many events it has.
struct AssetsPage: Sendable {
    static let name = "assets"

    struct AssetItem: Sendable {
        let asset: Link
        let uri: String
        let group: String
        let events: Int
        let lastEventAt: String
    }

    let chrome: Layout.Chrome
    let assets: [AssetItem]
    let hasAssets: Bool

    init(_ rows: [ConsoleStore.AssetRow], chrome: Layout.Chrome) {
        self.chrome = chrome
        assets = rows.map { row in
            AssetItem(
                asset: Link(text: row.key.name, href: ConsoleFormat.assetPath(row.id)), uri: row.key.uri,
                group: row.group, events: row.events, lastEventAt: ConsoleFormat.time(row.lastEventAt))
        }
        hasAssets = !assets.isEmpty
    }

    static let template = """
        {{<layout}}
        {{$title}}Assets{{/title}}
        {{$content}}
        <h1>Assets</h1>
        {{#hasAssets}}
        <table id="assets"><tr><th>asset</th><th>URI</th><th>group</th><th>events</th><th>last event</th></tr>
        {{#assets}}<tr class="asset">{{#asset}}<td><a class="asset-link" href="{{href}}">{{text}}</a></td>{{/asset}}<td><code>{{uri}}</code></td><td>{{group}}</td><td>{{events}}</td><td>{{lastEventAt}}</td></tr>
        {{/assets}}
        </table>
        {{/hasAssets}}
        {{^hasAssets}}<p class="muted">The store has no assets.</p>{{/hasAssets}}
        {{/content}}
        {{/layout}}
        """
}
