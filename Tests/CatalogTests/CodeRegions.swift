import Foundation

/// The `// [START name]` … `// [END name]` regions of an item's sources and the `<!-- code:begin name -->`
/// quotes of its doc, read the same way `scripts/update-doc-code` writes them.
enum CodeRegions {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// name → the region's lines, without marker lines, dedented by their common indentation; in file order.
    static func regions(in source: String, file: String) throws -> [(name: String, text: String)] {
        var open: [String: [String]] = [:]
        var order: [String] = []
        var closed: [String: String] = [:]
        for line in source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let name = marker(trimmed, "START") {
                guard open[name] == nil, closed[name] == nil else {
                    throw Malformed(description: "\(file): region \(name) starts twice")
                }
                open[name] = []
                order.append(name)
            } else if let name = marker(trimmed, "END") {
                guard let lines = open.removeValue(forKey: name) else {
                    throw Malformed(description: "\(file): region \(name) ends without a start")
                }
                closed[name] = dedent(lines)
            } else {
                for key in open.keys { open[key, default: []].append(line) }
            }
        }
        guard open.isEmpty else { throw Malformed(description: "\(file): regions never ended: \(open.keys.sorted())") }
        return order.compactMap { name in closed[name].map { (name, $0) } }
    }

    private static func marker(_ line: String, _ kind: String) -> String? {
        guard let match = line.firstMatch(of: #/^// \[(START|END) ([A-Za-z0-9_.-]+)\]$/#), match.1 == kind else {
            return nil
        }
        return String(match.2)
    }

    private static func dedent(_ lines: [String]) -> String {
        let indent =
            lines.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { $0.prefix { $0 == " " }.count }.min() ?? 0
        return lines.map { $0.count >= indent ? String($0.dropFirst(indent)) : "" }.joined(separator: "\n")
    }

    /// name → quoted text, for every `<!-- code:begin name -->` block of a doc.
    static func quotes(in doc: String) -> [String: String] {
        let pattern = #/<!-- code:begin ([A-Za-z0-9_.-]+) -->\n```swift\n([\s\S]*?)\n```\n<!-- code:end -->/#
        var result: [String: String] = [:]
        for match in doc.matches(of: pattern) { result[String(match.1)] = String(match.2) }
        return result
    }
}
