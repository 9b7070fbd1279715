import Eventide
import EventideAWS
import EventideS3
import Foundation
import Testing

/// The fuzz corpus (`Fuzz/corpus/<target>/`, run by scripts/fuzz) as ordinary tests: every input decodes or
/// throws a typed error, and every `crash-*` input, which once killed a process, is refused with a typed error.
@Suite("Fuzz corpus regressions", .timeLimit(.minutes(1)))
struct FuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus")

    /// The inputs of one target: file name and text.
    static func inputs(_ target: String) throws -> [(name: String, text: String)] {
        let folder = root.appendingPathComponent(target)
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { name in
            (name, String(decoding: try Data(contentsOf: folder.appendingPathComponent(name)), as: UTF8.self))
        }
    }

    @Test("S3 notifications: the seeds decode, the crash inputs are typed errors")
    func s3Notifications() throws {
        let inputs = try Self.inputs("s3-notification")
        #expect(inputs.contains { $0.name.hasPrefix("crash-") })
        for (name, text) in inputs {
            if name.hasPrefix("crash-") {
                #expect(throws: S3Error.self, "\(name)") { try S3EventNotification.parse(text) }
            } else {
                #expect(throws: Never.self, "\(name)") { try S3EventNotification.parse(text) }
            }
        }
    }

    @Test("trigger and connection URIs: the seeds parse, the crash inputs (ports that do not fit) are typed errors")
    func uris() throws {
        for (name, text) in try Self.inputs("trigger-uri") {
            if name.hasPrefix("crash-") {
                #expect(throws: TriggerError.self, "\(name)") { try TriggerURI(text) }
            } else {
                #expect(throws: Never.self, "\(name)") { try TriggerURI(text) }
            }
        }
        for (name, text) in try Self.inputs("connection-uri") {
            let connection = try Connection(id: "c", uri: text)
            if name.hasPrefix("crash-") {
                #expect(throws: ConnectionError.self, "\(name)") {
                    try AWSConnectionSettings(connection: connection, environment: [:])
                }
            } else {
                #expect(throws: Never.self, "\(name)") {
                    try AWSConnectionSettings(connection: connection, environment: [:])
                }
            }
        }
    }

    @Test("event envelopes, asset URIs and filter policies of the corpus decode or throw without trapping")
    func others() throws {
        for (_, text) in try Self.inputs("event-envelope") { _ = try? EventEnvelope.decode(cloudEventJSON: text) }
        #expect(throws: EventError.self) {
            try EventEnvelope.decode(
                cloudEventJSON: try #require(
                    try Self.inputs("event-envelope").first { $0.name == "seed-long-fraction-time.json" }
                ).text)
        }
        for (_, text) in try Self.inputs("asset-uri") { _ = try? Asset(uri: text) }
        for (_, text) in try Self.inputs("filter-policy") {
            let policy = text.split(separator: "\0", maxSplits: 1).first.map(String.init) ?? ""
            #expect(throws: Never.self) { try FilterPolicy(json: policy) }
        }
    }
}
