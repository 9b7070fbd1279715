/// What the console answers when a page cannot be shown (an unknown DAG, a refused POST, a store that fails).
struct ErrorPage: Sendable {
    static let name = "error"

    let chrome: Layout.Chrome
    let status: Int
    let message: String

    static let template = """
        {{<layout}}
        {{$title}}{{status}}{{/title}}
        {{$content}}
        <h1>{{status}}</h1>
        <p id="error">{{message}}</p>
        <p><a href="/ui">Back to the overview</a></p>
        {{/content}}
        {{/layout}}
        """
}
