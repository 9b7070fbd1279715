import Eventide
import Foundation

/// How the pages spell values and links. Everything here is text that the templates HTML-escape when they show it;
/// paths are percent-encoded segment by segment first (run ids hold `:` and `+`).
enum ConsoleFormat {
    static func time(_ date: Date?) -> String { date.map(EventTime.format) ?? "—" }

    static func duration(from start: Date?, to end: Date?) -> String {
        guard let start, let end else { return "—" }
        return seconds(end.timeIntervalSince(start))
    }

    static func seconds(_ seconds: Double) -> String { String(format: "%.3f s", seconds) }

    /// A path segment with every byte but the unreserved ones (RFC 3986) percent-encoded.
    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func dagPath(_ dagId: String) -> String { "/ui/dags/\(segment(dagId))" }
    static func runPath(_ ref: DagRunRef) -> String { "\(dagPath(ref.dagId))/runs/\(segment(ref.runId))" }
    static func assetPath(_ id: Int64) -> String { "/ui/assets/\(id)" }
    static func redrivePath(_ id: Int64) -> String { "/ui/dead-letters/\(id)/redrive" }

    /// `2 success, 1 failed`, in the states' order; `none` without runs.
    static func runCounts(_ runs: [DagRunState: Int]) -> String {
        let order: [DagRunState] = [.queued, .running, .success, .failed]
        let parts = order.compactMap { state in runs[state].map { "\($0) \(state.rawValue)" } }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}

/// A link as the templates show it.
struct Link: Sendable {
    let text: String
    let href: String
}
