import Eventide

/// `/ui/dead-letters`: the letters waiting, with their reason and a redrive button (a POST carrying the console's
/// CSRF token), and those redriven already.
struct DeadLettersPage: Sendable {
    static let name = "dead-letters"

    struct LetterItem: Sendable {
        let id: Int64
        let source: String
        let messageId: String
        let reason: String
        let attempts: String
        let payload: String
        let deadLetteredAt: String
        let redrivenAt: String
        let action: String
    }

    let chrome: Layout.Chrome
    let csrfToken: String
    let flash: String?
    let waiting: [LetterItem]
    let hasWaiting: Bool
    let redriven: [LetterItem]
    let hasRedriven: Bool

    init(letters: [DeadLetter], csrfToken: String, flash: String?, chrome: Layout.Chrome) {
        self.chrome = chrome
        self.csrfToken = csrfToken
        self.flash = flash
        let items = letters.map { letter in
            LetterItem(
                id: letter.id, source: letter.source, messageId: letter.messageId ?? "—", reason: letter.reason,
                attempts: letter.attempts.map(String.init) ?? "—", payload: letter.payload.jsonText,
                deadLetteredAt: ConsoleFormat.time(letter.deadLetteredAt),
                redrivenAt: ConsoleFormat.time(letter.redrivenAt),
                action: ConsoleFormat.redrivePath(letter.id))
        }
        waiting = zip(letters, items).filter { $0.0.redrivenAt == nil }.map(\.1)
        redriven = zip(letters, items).filter { $0.0.redrivenAt != nil }.map(\.1).reversed()
        hasWaiting = !waiting.isEmpty
        hasRedriven = !redriven.isEmpty
    }

    static let template = """
        {{<layout}}
        {{$title}}Dead letters{{/title}}
        {{$content}}
        <h1>Dead letters</h1>
        {{#flash}}<p class="flash" id="flash">{{.}}</p>{{/flash}}
        <h2>Waiting</h2>
        {{#hasWaiting}}
        <table id="waiting"><tr><th>id</th><th>source</th><th>message</th><th>reason</th><th>attempts</th><th>payload</th><th>dead-lettered</th><th></th></tr>
        {{#waiting}}<tr class="letter" data-letter-id="{{id}}"><td>{{id}}</td><td>{{source}}</td><td><code>{{messageId}}</code></td><td><pre>{{reason}}</pre></td><td>{{attempts}}</td><td><pre>{{payload}}</pre></td><td>{{deadLetteredAt}}</td><td><form method="post" action="{{action}}"><input type="hidden" name="csrf_token" value="{{csrfToken}}"><button type="submit" class="redrive">Redrive</button></form></td></tr>
        {{/waiting}}
        </table>
        {{/hasWaiting}}
        {{^hasWaiting}}<p class="muted" id="none-waiting">No dead letters are waiting.</p>{{/hasWaiting}}
        {{#hasRedriven}}
        <h2>Redriven</h2>
        <table id="redriven"><tr><th>id</th><th>source</th><th>message</th><th>reason</th><th>dead-lettered</th><th>redriven</th></tr>
        {{#redriven}}<tr class="letter" data-letter-id="{{id}}"><td>{{id}}</td><td>{{source}}</td><td><code>{{messageId}}</code></td><td><pre>{{reason}}</pre></td><td>{{deadLetteredAt}}</td><td>{{redrivenAt}}</td></tr>
        {{/redriven}}
        </table>
        {{/hasRedriven}}
        {{/content}}
        {{/layout}}
        """
}
