import Eventide

/// `/ui`: counts, run states, what is queued and waiting.
struct OverviewPage: Sendable {
    static let name = "overview"

    struct Count: Sendable {
        let label: String
        let number: Int
        let href: String
    }

    struct QueueDepth: Sendable {
        let name: String
        let visible: Int
        let inFlight: Int
    }

    struct DagQueue: Sendable {
        let dag: Link
        let queued: Int
    }

    let chrome: Layout.Chrome
    let counts: [Count]
    let runStates: String
    let dagQueues: [DagQueue]
    let queues: [QueueDepth]
    /// Stored, not computed: Mustache reads values through `Mirror`, which sees stored properties only.
    let hasDagQueues: Bool
    let hasQueues: Bool

    init(_ overview: ConsoleStore.Overview, chrome: Layout.Chrome) {
        self.chrome = chrome
        counts = [
            Count(label: "DAGs", number: overview.dags, href: "/ui/dags"),
            Count(label: "runs", number: overview.runs.values.reduce(0, +), href: "/ui/runs"),
            Count(label: "assets", number: overview.assets, href: "/ui/assets"),
            Count(label: "asset events", number: overview.assetEvents, href: "/ui/assets"),
            Count(label: "dead letters waiting", number: overview.deadLettersWaiting, href: "/ui/dead-letters"),
        ]
        runStates = ConsoleFormat.runCounts(overview.runs)
        dagQueues = overview.depths.assetEventQueues.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map {
            DagQueue(dag: Link(text: $0.key, href: ConsoleFormat.dagPath($0.key)), queued: $0.value)
        }
        queues = overview.depths.embeddedQueues.sorted { $0.key < $1.key }.map {
            QueueDepth(name: $0.key, visible: $0.value.visible, inFlight: $0.value.inFlight)
        }
        hasDagQueues = !dagQueues.isEmpty
        hasQueues = !queues.isEmpty
    }

    static let template = """
        {{<layout}}
        {{$title}}Overview{{/title}}
        {{$content}}
        <h1>Overview</h1>
        <div class="cards">
        {{#counts}}<a class="card" href="{{href}}"><div class="number">{{number}}</div><div class="muted">{{label}}</div></a>{{/counts}}
        </div>
        <p>Runs: {{runStates}}</p>
        <h2>Asset events waiting in DAG queues</h2>
        {{#hasDagQueues}}
        <table id="dag-queues"><tr><th>DAG</th><th>queued events</th></tr>
        {{#dagQueues}}<tr>{{#dag}}<td><a href="{{href}}">{{text}}</a></td>{{/dag}}<td>{{queued}}</td></tr>{{/dagQueues}}
        </table>
        {{/hasDagQueues}}
        {{^dagQueues}}<p class="muted">No DAG has queued events.</p>{{/dagQueues}}
        <h2>Embedded queues</h2>
        {{#hasQueues}}
        <table id="queues"><tr><th>queue</th><th>visible</th><th>in flight</th></tr>
        {{#queues}}<tr><td>{{name}}</td><td>{{visible}}</td><td>{{inFlight}}</td></tr>{{/queues}}
        </table>
        {{/hasQueues}}
        {{^queues}}<p class="muted">The store has no embedded queues.</p>{{/queues}}
        {{/content}}
        {{/layout}}
        """
}
