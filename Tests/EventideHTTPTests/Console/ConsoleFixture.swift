import Eventide
import EventideConsole
import EventideTesting
import Foundation

/// A store written by the console's demo (`ConsoleDemo`), opened as the tool opens one: without the DAG definitions.
struct ConsoleFixture {
    let database: EventideDatabase
    let store: ConsoleStore
    let written: ConsoleDemo.Written

    init() async throws {
        database = try TemporaryDatabase.make("console")
        written = try await ConsoleDemo.seed(into: database)
        store = try ConsoleStore(database: database)
    }
}

/// What the tests read out of the console's HTML: attribute values and links, not prose.
enum HTMLScan {
    /// The values of `attribute="…"` in document order.
    static func values(of attribute: String, in html: String) -> [String] {
        let pattern = try! Regex<(Substring, Substring)>(#"\b"# + attribute + #"="([^"]*)""#)
        return html.matches(of: pattern).map { String($0.output.1) }
    }

    /// The `href`s of the anchors with this class.
    static func links(class name: String, in html: String) -> [String] {
        let pattern = try! Regex<(Substring, Substring)>(#"<a class=""# + name + #"" href="([^"]*)""#)
        return html.matches(of: pattern).map { String($0.output.1).replacingOccurrences(of: "&amp;", with: "&") }
    }

    /// How many elements carry this class exactly.
    static func count(class name: String, in html: String) -> Int {
        html.components(separatedBy: #"class=""# + name + #"""#).count - 1
    }

    /// The console's CSRF token, from a page's redrive form.
    static func csrfToken(in html: String) -> String? {
        values(of: "value", in: html).first { $0.count == 64 && $0.allSatisfy(\.isHexDigit) }
    }
}
