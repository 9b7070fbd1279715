import EventideTesting
import Foundation
import Testing

/// Every item declared in Package.swift's `examples` array is complete: a folder with an entry point, a doc
/// with every section in order, and an Output transcript that still matches what the example prints.
@Suite("Catalog conformance")
struct CatalogConformanceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The product ids in Package.swift's `examples` array, in order.
    static let items: [String] = {
        guard let manifest = try? String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8),
              let start = manifest.range(of: "let examples"), let end = manifest.range(of: "\n]\n", range: start.upperBound..<manifest.endIndex)
        else { return [] }
        let body = manifest[start.upperBound..<end.lowerBound]
        let pattern = #/\("(\d+_\d\d_\d\d_[a-z0-9_]+)"/#
        return body.matches(of: pattern).map { String($0.1) }
    }()

    static func doc(_ item: String) -> URL {
        root.appendingPathComponent("docs/\(item.prefix { $0 != "_" })/\(item).md")
    }

    @Test("the examples array lists items, each once, with distinct module names")
    func itemsAreUnique() {
        #expect(Self.items.count >= 10)
        #expect(Set(Self.items).count == Self.items.count)
        #expect(Set(Self.items.map { "Ex" + $0 }).count == Self.items.count)
    }

    @Test("each item has its folder with an @main entry point and a pattern file", arguments: items)
    func folder(item: String) throws {
        let folder = Self.root.appendingPathComponent("Sources/Examples/\(item)")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files.contains("EntryPoint.swift"))
        #expect(files.count >= 2, "the pattern lives in its own file, not in the entry point")
        let entry = try String(contentsOf: folder.appendingPathComponent("EntryPoint.swift"), encoding: .utf8)
        #expect(entry.contains("@main") && entry.contains("ExampleOptions"))
    }

    @Test("each item has a doc with every section in order", arguments: items)
    func docSections(item: String) throws {
        let text = try String(contentsOf: Self.doc(item), encoding: .utf8)
        let sections = ["## Intent", "## How it works", "## Run", "## Output", "## In Airflow 3",
                        "## Pitfalls and edge cases", "## Verified by"]
        let positions = sections.map { text.range(of: $0)?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil }, "missing: \(zip(sections, positions).filter { $0.1 == nil }.map(\.0))")
        let found = positions.compactMap { $0 }
        #expect(found == found.sorted(), "sections out of order")
        #expect(text.contains("Sources/Examples/\(item)"), "links to its source")
    }

    /// Lines without time offsets and with digits masked: timings vary, the story may not.
    static func shape(_ text: some StringProtocol) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in
                String(line).replacing(#/^\s*\d+\.\d ms  /#, with: "").replacing(#/\d+/#, with: "#")
                    .trimmingCharacters(in: .whitespaces)
            }
            .filter { !$0.isEmpty }
    }

    @Test("each doc's Output is a real transcript of the example's default run", arguments: items)
    func transcriptMatches(item: String) throws {
        let text = try String(contentsOf: Self.doc(item), encoding: .utf8)
        let block = try #require(text.firstMatch(of: #/<!-- output:begin -->\n```text\n\$ swift run \S+\n([\s\S]*?)```\n<!-- output:end -->/#),
                                 "doc has no filled Output block; run scripts/update-doc-output")
        let run = try BuiltProduct.run(item, [])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Self.shape(block.1) == Self.shape(run.stdout),
                "doc transcript drifted from the example; run scripts/update-doc-output \(item)")
    }
}
