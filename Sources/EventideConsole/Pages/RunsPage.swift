/// `/ui/runs`: the latest runs of every DAG, newest first.
struct RunsPage: Sendable {
    static let name = "runs-page"

    let chrome: Layout.Chrome
    let runs: [RunItem]
    let hasRuns: Bool
    let limit: Int

    init(_ rows: [ConsoleStore.RunRow], limit: Int, chrome: Layout.Chrome) {
        self.chrome = chrome
        runs = rows.map(RunItem.init)
        hasRuns = !runs.isEmpty
        self.limit = limit
    }

    static let template = """
        {{<layout}}
        {{$title}}Runs{{/title}}
        {{$content}}
        <h1>Runs</h1>
        <p class="muted">The latest {{limit}} runs, newest first.</p>
        {{#hasRuns}}{{>runs}}{{/hasRuns}}
        {{^hasRuns}}<p class="muted">The store has no runs.</p>{{/hasRuns}}
        {{/content}}
        {{/layout}}
        """
}
