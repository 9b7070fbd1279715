import Eventide

/// `/ui/dead-letters`: the letters waiting, with their reason, category, attempts and times, and three forms (each
/// a POST carrying the console's CSRF token): redrive, discard with a reason, edit the payload; then those redriven
/// and those discarded, with the event they were dead-lettered with.
struct DeadLettersPage: Sendable {
    static let name = "dead-letters"

    struct LetterItem: Sendable {
        let id: Int64
        let source: String
        let messageId: String
        let reason: String
        let category: String
        let attempts: String
        let payload: String
        /// The event as dead-lettered, when an operator edited the payload since.
        let originalPayload: String?
        let firstFailedAt: String
        let deadLetteredAt: String
        let redrivenAt: String
        let discardedAt: String
        let discardReason: String
        let action: String
        let discardAction: String
        let editAction: String
    }

    let chrome: Layout.Chrome
    let csrfToken: String
    let flash: String?
    let waiting: [LetterItem]
    let hasWaiting: Bool
    let redriven: [LetterItem]
    let hasRedriven: Bool
    let discarded: [LetterItem]
    let hasDiscarded: Bool

    init(letters: [DeadLetter], csrfToken: String, flash: String?, chrome: Layout.Chrome) {
        self.chrome = chrome
        self.csrfToken = csrfToken
        self.flash = flash
        let items = letters.map { letter in
            LetterItem(
                id: letter.id, source: letter.source, messageId: letter.messageId ?? "—", reason: letter.reason,
                category: letter.category?.rawValue ?? "—",
                attempts: letter.attempts.map(String.init) ?? "—", payload: letter.payload.jsonText,
                originalPayload: letter.originalPayload?.jsonText,
                firstFailedAt: ConsoleFormat.time(letter.firstFailedAt),
                deadLetteredAt: ConsoleFormat.time(letter.deadLetteredAt),
                redrivenAt: ConsoleFormat.time(letter.redrivenAt),
                discardedAt: ConsoleFormat.time(letter.discardedAt), discardReason: letter.discardReason ?? "",
                action: ConsoleFormat.redrivePath(letter.id),
                discardAction: "/ui/dead-letters/\(letter.id)/discard", editAction: "/ui/dead-letters/\(letter.id)/edit"
            )
        }
        waiting = zip(letters, items).filter { $0.0.state == .waiting }.map(\.1)
        redriven = zip(letters, items).filter { $0.0.state == .redriven }.map(\.1).reversed()
        discarded = zip(letters, items).filter { $0.0.state == .discarded }.map(\.1).reversed()
        hasWaiting = !waiting.isEmpty
        hasRedriven = !redriven.isEmpty
        hasDiscarded = !discarded.isEmpty
    }

    static let template = """
        {{<layout}}
        {{$title}}Dead letters{{/title}}
        {{$content}}
        <h1>Dead letters</h1>
        {{#flash}}<p class="flash" id="flash">{{.}}</p>{{/flash}}
        <h2>Waiting</h2>
        {{#hasWaiting}}
        <table id="waiting"><tr><th>id</th><th>source</th><th>message</th><th>reason</th><th>category</th><th>attempts</th><th>payload</th><th>first failed</th><th>dead-lettered</th><th></th></tr>
        {{#waiting}}<tr class="letter" data-letter-id="{{id}}"><td>{{id}}</td><td>{{source}}</td><td><code>{{messageId}}</code></td><td><pre>{{reason}}</pre></td><td class="category">{{category}}</td><td>{{attempts}}</td><td><pre>{{payload}}</pre>{{#originalPayload}}<p class="muted">dead-lettered as</p><pre class="original">{{.}}</pre>{{/originalPayload}}</td><td>{{firstFailedAt}}</td><td>{{deadLetteredAt}}</td><td><form method="post" action="{{action}}"><input type="hidden" name="csrf_token" value="{{csrfToken}}"><button type="submit" class="redrive">Redrive</button></form>
        <form method="post" action="{{discardAction}}"><input type="hidden" name="csrf_token" value="{{csrfToken}}"><input type="text" name="reason" required placeholder="why"><button type="submit" class="discard">Discard</button></form>
        <form method="post" action="{{editAction}}"><input type="hidden" name="csrf_token" value="{{csrfToken}}"><textarea name="payload" rows="3" cols="40">{{payload}}</textarea><button type="submit" class="edit">Save payload</button></form></td></tr>
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
        {{#hasDiscarded}}
        <h2>Discarded</h2>
        <table id="discarded"><tr><th>id</th><th>source</th><th>message</th><th>reason</th><th>original event</th><th>dead-lettered</th><th>discarded</th><th>why</th></tr>
        {{#discarded}}<tr class="letter" data-letter-id="{{id}}"><td>{{id}}</td><td>{{source}}</td><td><code>{{messageId}}</code></td><td><pre>{{reason}}</pre></td><td><pre>{{#originalPayload}}{{.}}{{/originalPayload}}{{^originalPayload}}{{payload}}{{/originalPayload}}</pre></td><td>{{deadLetteredAt}}</td><td>{{discardedAt}}</td><td>{{discardReason}}</td></tr>
        {{/discarded}}
        </table>
        {{/hasDiscarded}}
        {{/content}}
        {{/layout}}
        """
}
