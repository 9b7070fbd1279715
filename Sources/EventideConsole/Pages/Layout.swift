/// The frame every page shares (navigation, the store's path, the styles), as a Mustache parent template: a page
/// fills its `title` and `content` blocks. Every page carries a `chrome` value for it.
///
/// The templates are Swift string literals, not resource files: the tool is one binary that finds its pages
/// wherever it is copied (SwiftPM resources live in a bundle beside the binary), and a template that does not parse
/// fails when the console is made (and in its tests), not when a page is first asked for.
enum Layout {
    static let name = "layout"

    /// What the frame shows on every page.
    struct Chrome: Sendable {
        let storePath: String
        /// Whether a live runtime is behind the console (its watchers' live states are shown), or only its store.
        let live: Bool
    }

    static let template = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>{{$title}}Eventide{{/title}} · Eventide console</title>
        <style>
        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d2430; background: #f6f7f9; }
        header { background: #1d2430; color: #fff; padding: 0.6rem 1.2rem; display: flex; gap: 1.4rem; align-items: baseline; flex-wrap: wrap; }
        header a { color: #cfe3ff; text-decoration: none; } header a:hover { text-decoration: underline; }
        header .brand { font-weight: 700; color: #fff; }
        header .store { color: #9aa6b8; font-size: 0.85rem; margin-left: auto; }
        nav { display: flex; gap: 1rem; }
        main { padding: 0.8rem 1.2rem 2rem; }
        h1 { font-size: 1.4rem; margin: 0.4rem 0 0.8rem; } h2 { font-size: 1.1rem; margin: 1.2rem 0 0.4rem; }
        table { border-collapse: collapse; background: #fff; width: 100%; margin: 0.3rem 0 1.2rem; }
        th, td { text-align: left; padding: 0.35rem 0.6rem; border-bottom: 1px solid #e3e6ea; vertical-align: top; font-size: 0.9rem; }
        th { background: #eef1f5; font-weight: 600; }
        code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.82rem; }
        pre { white-space: pre-wrap; word-break: break-all; margin: 0; }
        ul.inline { list-style: none; padding: 0; margin: 0; } ul.inline li { display: inline; margin-right: 0.6rem; }
        .state { padding: 0.05rem 0.5rem; border-radius: 0.7rem; font-size: 0.8rem; background: #e3e6ea; white-space: nowrap; }
        .state-success, .state-running, .state-healthy { background: #cdeccf; }
        .state-failed, .state-upstream_failed, .state-unhealthy { background: #f6c9c9; }
        .state-queued, .state-scheduled, .state-up_for_retry, .state-deferred, .state-restarting { background: #fbe6b5; }
        .muted { color: #5b6472; } .awaiting { color: #8a4b00; }
        .cards { display: flex; gap: 0.8rem; flex-wrap: wrap; margin-bottom: 1rem; }
        .card { background: #fff; border: 1px solid #e3e6ea; border-radius: 0.4rem; padding: 0.6rem 1rem; min-width: 8rem; color: inherit; text-decoration: none; }
        .card .number { font-size: 1.5rem; font-weight: 600; }
        .flash { background: #fff7d6; border: 1px solid #e8d27a; padding: 0.5rem 0.8rem; margin-bottom: 0.8rem; }
        button { font: inherit; padding: 0.2rem 0.7rem; cursor: pointer; }
        </style>
        </head>
        <body>
        <header>
        <a class="brand" href="/ui">Eventide</a>
        <nav><a href="/ui/dags">DAGs</a> <a href="/ui/runs">Runs</a> <a href="/ui/assets">Assets</a> <a href="/ui/watchers">Watchers</a> <a href="/ui/dead-letters">Dead letters</a> <a href="/metrics">Metrics</a></nav>
        {{#chrome}}<span class="store">{{storePath}}{{^live}} · store only{{/live}}{{#live}} · live{{/live}}</span>{{/chrome}}
        </header>
        <main>
        {{$content}}{{/content}}
        </main>
        </body>
        </html>
        """
}
