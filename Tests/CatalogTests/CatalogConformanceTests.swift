import EventideTesting
import Foundation
import Testing

/// Every item declared in Package.swift's `examples` and `httpExamples` arrays is complete: a folder with an entry point, a doc
/// with every section in order, and an Output transcript that still matches what the example prints.
@Suite("Catalog conformance", .timeLimit(.minutes(10)))
struct CatalogConformanceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The product ids in Package.swift's `examples` and `httpExamples` arrays, in that order.
    static let items: [String] = {
        guard let manifest = try? String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        else { return [] }
        return ["let examples", "let httpExamples"].flatMap { array -> [String] in
            guard let start = manifest.range(of: array),
                let end = manifest.range(of: "\n]\n", range: start.upperBound..<manifest.endIndex)
            else { return [] }
            let body = manifest[start.upperBound..<end.lowerBound]
            let pattern = #/\("(\d+_\d\d_\d\d_[a-z0-9_]+)"/#
            return body.matches(of: pattern).map { String($0.1) }
        }
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

    /// Items still on the first shape (one file for pattern and scenario, no quoted code): their shape checks are
    /// known issues until they are reshaped, and `awaitingListIsTrue` fails as soon as one of them is, so the
    /// list can only shrink.
    static let awaitingShapeV2: Set<String> = []

    /// Runs `check`, recording its failures as a known issue for an item still awaiting the second shape.
    static func shapeCheck(_ item: String, _ check: () throws -> Void) throws {
        try withKnownIssue("\(item) is still on the first item shape (issue 9)") {
            try check()
        } when: {
            awaitingShapeV2.contains(item)
        }
    }

    @Test("the items listed as awaiting the second shape really are on the first one")
    func awaitingListIsTrue() throws {
        for item in Self.awaitingShapeV2 {
            let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder(item).path)
            #expect(!files.contains { $0.hasSuffix("+Scenario.swift") }, "\(item) is reshaped: take it off the list")
        }
    }

    static func folder(_ item: String) -> URL { root.appendingPathComponent("Sources/Examples/\(item)") }

    /// The item's Swift files other than the entry point and the scenario: the pattern a user copies.
    static func patternFiles(_ item: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder(item).path)
            .filter { $0.hasSuffix(".swift") && $0 != "EntryPoint.swift" && !$0.hasSuffix("+Scenario.swift") }
            .sorted()
    }

    @Test("each item has an @main entry point, a pattern file and a +Scenario file", arguments: items)
    func folder(item: String) throws {
        try Self.shapeCheck(item) {
            let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder(item).path)
            #expect(files.contains("EntryPoint.swift"))
            let patterns = try Self.patternFiles(item)
            #expect(!patterns.isEmpty, "the pattern lives in its own file, not in the entry point")
            let scenarios = files.filter { $0.hasSuffix("+Scenario.swift") }
            #expect(scenarios.count == 1, "the workload, measurements and Outcome live in <Pattern>+Scenario.swift")
            let entry = try String(
                contentsOf: Self.folder(item).appendingPathComponent("EntryPoint.swift"),
                encoding: .utf8)
            #expect(entry.contains("@main") && entry.contains("ExampleOptions"))
        }
    }

    @Test("each item's pattern is marked in regions, one screen each or saying why not", arguments: items)
    func patternRegions(item: String) throws {
        try Self.shapeCheck(item) {
            var regions = 0
            for file in try Self.patternFiles(item) {
                let source = try String(contentsOf: Self.folder(item).appendingPathComponent(file), encoding: .utf8)
                let found = try CodeRegions.regions(in: source, file: file)
                regions += found.count
                let lines = found.map { $0.text.split(separator: "\n", omittingEmptySubsequences: false).count }
                    .reduce(0, +)
                #expect(
                    lines <= 80 || source.contains("Longer than one screen:"),
                    "\(file): \(lines) lines in regions; aim for 60, or say why in a `// Longer than one screen:` comment"
                )
                #expect(
                    !source.contains("Timeline") && !source.contains("ExampleReport"),
                    "\(file): measuring and narrative belong in the +Scenario file")
            }
            let files = try Self.patternFiles(item)
            #expect(regions > 0, "no // [START name] … // [END name] region in \(files)")
        }
    }

    @Test("each doc quotes every region of its item verbatim under The code", arguments: items)
    func codeQuotes(item: String) throws {
        try Self.shapeCheck(item) {
            let doc = try String(contentsOf: Self.doc(item), encoding: .utf8)
            let quotes = CodeRegions.quotes(in: doc)
            var names: [String] = []
            for file in try Self.patternFiles(item) {
                let source = try String(contentsOf: Self.folder(item).appendingPathComponent(file), encoding: .utf8)
                for region in try CodeRegions.regions(in: source, file: file) {
                    names.append(region.name)
                    #expect(
                        quotes[region.name] == region.text,
                        "\(item): the doc's quote of \(region.name) differs from \(file); run scripts/update-doc-code")
                }
            }
            #expect(Set(quotes.keys).subtracting(names).isEmpty, "the doc quotes regions the source no longer has")
            let code = doc.range(of: "## The code"), how = doc.range(of: "## How it works"),
                run = doc.range(of: "## Run")
            #expect(code != nil && how != nil && run != nil)
            if let code, let how, let run {
                #expect(how.lowerBound < code.lowerBound && code.lowerBound < run.lowerBound)
            }
        }
    }

    @Test("each item has a doc with every section in order", arguments: items)
    func docSections(item: String) throws {
        try Self.shapeCheck(item) {
            let text = try String(contentsOf: Self.doc(item), encoding: .utf8)
            let sections = [
                "## Intent", "## How it works", "## The code", "## Run", "## Output", "## In Airflow 3",
                "## Pitfalls and edge cases", "## Verified by",
            ]
            let positions = sections.map { text.range(of: $0)?.lowerBound }
            #expect(
                positions.allSatisfy { $0 != nil },
                "missing: \(zip(sections, positions).filter { $0.1 == nil }.map(\.0))")
            let found = positions.compactMap { $0 }
            #expect(found == found.sorted(), "sections out of order")
            #expect(text.contains("Sources/Examples/\(item)"), "links to its source")
        }
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
        let block = try #require(
            text.firstMatch(
                of: #/<!-- output:begin -->\n```text\n\$ swift run \S+\n([\s\S]*?)```\n<!-- output:end -->/#),
            "doc has no filled Output block; run scripts/update-doc-output")
        let run = try BuiltProduct.run(item, [])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            Self.shape(block.1) == Self.shape(run.stdout),
            "doc transcript drifted from the example; run scripts/update-doc-output \(item)")
    }
}
