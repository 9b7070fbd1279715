import Eventide
import EventideConsole
import EventideHTTP
import EventideTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The dead-letters page's discard and edit forms: CSRF-protected POSTs that change the store as
/// `DeadLetterQueue.discard` and `edit` do, and refuse a bad form without changing anything.
@Suite(.timeLimit(.minutes(3)))
struct DeadLetterInterventionPageTests {
    static func post(
        _ client: some TestClientProtocol, _ path: String, _ fields: [String: String]
    ) async throws -> TestResponse {
        let body = fields.sorted { $0.key < $1.key }.map { key, value in
            key + "=" + (value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value)
        }.joined(separator: "&")
        return try await client.execute(
            uri: path, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: body))
    }

    /// Runs `body` with the console over the fixture's store and the page's CSRF token.
    func withConsole(
        _ fixture: ConsoleFixture, _ body: @escaping @Sendable (any TestClientProtocol, String) async throws -> Void
    ) async throws {
        let console = try WebConsole(store: fixture.store)
        try await EventideHTTPServer(components: [console]).application().test(.router) { client in
            let page = try await client.execute(uri: "/ui/dead-letters", method: .get)
            let token = try #require(HTMLScan.csrfToken(in: String(buffer: page.body)))
            try await body(client, token)
        }
    }

    @Test func theWaitingLettersCarryDiscardAndEditFormsAndTheirCategory() async throws {
        let fixture = try await ConsoleFixture()
        let waiting = try await DeadLetterQueue(database: fixture.database).list()
        try await withConsole(fixture) { client, _ in
            let html = String(buffer: try await client.execute(uri: "/ui/dead-letters", method: .get).body)
            let actions = HTMLScan.values(of: "action", in: html)
            for letter in waiting {
                #expect(actions.contains("/ui/dead-letters/\(letter.id)/discard"))
                #expect(actions.contains("/ui/dead-letters/\(letter.id)/edit"))
            }
            #expect(HTMLScan.count(class: "discard", in: html) == waiting.count)
            #expect(HTMLScan.count(class: "edit", in: html) == waiting.count)
        }
    }

    @Test func aDiscardWithTheTokenAndAReasonTakesTheLetterOutAndListsItAsDiscarded() async throws {
        let fixture = try await ConsoleFixture()
        let queue = DeadLetterQueue(database: fixture.database)
        let letter = try #require(try await queue.list().first)
        try await withConsole(fixture) { client, token in
            let path = "/ui/dead-letters/\(letter.id)/discard"
            let response = try await Self.post(client, path, ["csrf_token": token, "reason": "test order"])
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            let after = String(buffer: try await client.execute(uri: location, method: .get).body)
            #expect(HTMLScan.values(of: "id", in: after).contains("flash"))
            #expect(HTMLScan.values(of: "id", in: after).contains("discarded"))
            // Again: not waiting any more, nothing changes.
            let again = try await Self.post(client, path, ["csrf_token": token, "reason": "again"])
            #expect(again.status == .seeOther)
        }
        let discarded = try await queue.letter(letter.id)
        #expect(discarded.state == .discarded && discarded.discardReason == "test order")
        #expect(try await !queue.list().map(\.id).contains(letter.id))
    }

    @Test func anEditReplacesThePayloadAndKeepsTheOriginalEvent() async throws {
        let fixture = try await ConsoleFixture()
        let queue = DeadLetterQueue(database: fixture.database)
        let letter = try #require(try await queue.list().first)
        try await withConsole(fixture) { client, token in
            let response = try await Self.post(
                client, "/ui/dead-letters/\(letter.id)/edit", ["csrf_token": token, "payload": #"{"fixed":true}"#])
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            let after = String(buffer: try await client.execute(uri: location, method: .get).body)
            #expect(HTMLScan.count(class: "original", in: after) == 1)
        }
        let edited = try await queue.letter(letter.id)
        #expect(edited.payload == ["fixed": true] && edited.originalEvent == letter.payload && edited.state == .waiting)
    }

    @Test func withoutTheTokenOrWithABadFormNothingChanges() async throws {
        let fixture = try await ConsoleFixture()
        let queue = DeadLetterQueue(database: fixture.database)
        let before = try await queue.list()
        let letter = try #require(before.first)
        try await withConsole(fixture) { client, token in
            let discard = "/ui/dead-letters/\(letter.id)/discard"
            let edit = "/ui/dead-letters/\(letter.id)/edit"
            let forged = String(repeating: "0", count: 64)
            var statuses: [HTTPResponse.Status] = []
            for (path, fields) in [
                (discard, ["reason": "x"]), (edit, ["payload": "{}"]),
                (discard, ["csrf_token": forged, "reason": "x"]), (discard, ["csrf_token": token, "reason": " "]),
                (edit, ["csrf_token": token, "payload": "{not json"]),
                ("/ui/dead-letters/9999/discard", ["csrf_token": token, "reason": "x"]),
            ] {
                statuses.append(try await Self.post(client, path, fields).status)
            }
            #expect(statuses == [.forbidden, .forbidden, .forbidden, .badRequest, .badRequest, .notFound])
        }
        #expect(try await queue.list() == before)
    }
}
