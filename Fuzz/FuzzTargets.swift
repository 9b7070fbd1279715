// libFuzzer entry points for every decoder of outside input (issue 14), webhook headers and bodies included. Built by scripts/fuzz against the
// decoders' own source files, instrumented with -sanitize=fuzzer; FUZZ_TARGET names the decoder to feed.
// A trap (overflow, out-of-range index, force-unwrap, ICU's SIGFPE) is a crash libFuzzer reports and saves;
// a thrown error is the decoder doing its job.
@testable import Eventide
import EventideAWS
@testable import EventideHTTP
@testable import EventideKafka
import EventidePostgres
import EventideS3
import Foundation
import NIOCore

/// The decoders, by the name scripts/fuzz and `Fuzz/corpus/<name>/` use.
let targets: [String: @Sendable ([UInt8]) -> Void] = [
    "event-envelope": { bytes in
        _ = try? EventEnvelope.decode(cloudEventJSON: String(decoding: bytes, as: UTF8.self))
        // The envelope's own Codable checks on any JSON the runtime accepts. Not on raw bytes: Foundation's
        // JSONDecoder traps on its own while reporting some syntax errors (a leading newline, then nesting past its
        // limit); the runtime reads outside input with JSONValue.parse first (webhook bodies, CloudEvents).
        if let value = try? JSONValue.parse(String(decoding: bytes, as: UTF8.self)) {
            _ = try? JSONDecoder().decode(EventEnvelope.self, from: Data(value.jsonText.utf8))
        }
        _ = EventTime.parse(String(decoding: bytes, as: UTF8.self))
    },
    "s3-notification": { bytes in
        guard case .records(let records)? = try? S3EventNotification.parse(String(decoding: bytes, as: UTF8.self)) else { return }
        for record in records { _ = record.fileArrival }
    },
    "wal2json": { bytes in
        let rows = String(decoding: bytes, as: UTF8.self).split(separator: "\n").enumerated().map {
            Wal2JSONDecoder.Row(lsn: LSN(UInt64($0.offset) << 8), data: String($0.element))
        }
        _ = try? Wal2JSONDecoder().decode(rows)
    },
    "lsn": { bytes in
        guard let lsn = try? LSN(String(decoding: bytes, as: UTF8.self)) else { return }
        // The results are checked, so that the optimiser cannot drop a computation that would trap.
        precondition((try? LSN(lsn.description)) == lsn, "an LSN prints as text that parses back to it")
        if let next = try? lsn.next { precondition(next > lsn, "the next LSN is after this one") }
    },
    "kafka-record-batch": { bytes in
        _ = try? RecordBatch.decode(ByteBuffer(bytes: bytes), topic: "t", partition: 0)
    },
    "kafka-response": { bytes in
        // The first byte picks the response to decode; the rest is its body.
        guard let selector = bytes.first else { return }
        let body = ByteBuffer(bytes: bytes.dropFirst())
        let decoders: [(inout KafkaReader) throws -> Void] = [
            { _ = try ApiVersionsRequest.decode(&$0) }, { _ = try CreateTopicsRequest.decode(&$0) },
            { _ = try FetchRequest.decode(&$0) }, { _ = try FindCoordinatorRequest.decode(&$0) },
            { _ = try HeartbeatRequest.decode(&$0) }, { _ = try JoinGroupRequest.decode(&$0) },
            { _ = try LeaveGroupRequest.decode(&$0) }, { _ = try ListOffsetsRequest.decode(&$0) },
            { _ = try MetadataRequest.decode(&$0) }, { _ = try OffsetCommitRequest.decode(&$0) },
            { _ = try OffsetFetchRequest.decode(&$0) }, { _ = try ProduceRequest.decode(&$0) },
            { _ = try SyncGroupRequest.decode(&$0) }, { _ = try ConsumerProtocol.Subscription.decode(&$0) },
            { _ = try ConsumerProtocol.Assignment.decode(&$0) },
        ]
        var reader = KafkaReader(body, api: "fuzz")
        try? decoders[Int(selector) % decoders.count](&reader)
    },
    "filter-policy": { bytes in
        // A policy, then (after a NUL) a body to match it against.
        let parts = bytes.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
        guard let policy = try? FilterPolicy(json: String(decoding: parts[0], as: UTF8.self)) else { return }
        let body = parts.count > 1 ? try? JSONValue.parse(String(decoding: parts[1], as: UTF8.self)) : nil
        let attributes = (body?.objectValue ?? [:]).compactMapValues(\.stringValue)
        _ = policy.matches(attributes: attributes, body: body)
    },
    "asset-uri": { bytes in
        _ = try? AssetURI.normalise(String(decoding: bytes, as: UTF8.self))
    },
    "trigger-uri": { bytes in
        guard let uri = try? TriggerURI(String(decoding: bytes, as: UTF8.self)) else { return }
        _ = try? uri.endpoint(defaultPort: 1)
        _ = try? uri.integer("wait", in: 0...20)
        _ = try? uri.singlePathSegment("queue")
    },
    "webhook-signature": { bytes in
        // GitHub's X-Hub-Signature-256 and Stripe's Stripe-Signature, as a sender may set them.
        let value = String(decoding: bytes, as: UTF8.self)
        if let code = try? GitHubSignature.code(in: value) { precondition(code.count == 32, "an HMAC-SHA256 is 32 bytes") }
        if let stripe = try? StripeSignature(parsing: value) {
            precondition(!stripe.signatures.isEmpty && stripe.signatures.allSatisfy { $0.count == 32 }, "v1s are 32 bytes")
            _ = StripeSignature.signedPayload(timestamp: stripe.timestamp, body: bytes)
        }
    },
    "webhook-body": { bytes in
        // A delivery's body, read as its payload and checked against a schema of each field type.
        guard let payload = try? WebhookPayload.object(from: bytes) else { return }
        let schema = ExtraSchema(
            name: "fuzz", version: 1, versionKey: "schema_version",
            fields: [.init("id", .string), .init("amount", .integer), .init("rate", .number, required: false),
                     .init("live", .boolean, required: false), .init("data", .object, required: false),
                     .init("items", .array, required: false)])
        _ = schema.violations(of: payload)
    },
    "json-value": { bytes in
        // The parser and the writer against the Foundation coders they replaced (JSONValueCodingTests' oracle).
        let text = String(decoding: bytes, as: UTF8.self)
        var reason = ""
        let parsed: JSONValue?
        do { parsed = try JSONValue.parse(text) } catch {
            parsed = nil
            if case .malformedJSON(_, let why)? = error as? EventError { reason = why }
        }
        // The deliberate differences: a NUL in the first two bytes (Foundation guesses UTF-16/32), a duplicate
        // key's value, which Foundation does not validate, and zeros with an exponent (below).
        if text.utf8.prefix(2).contains(0) { precondition(parsed == nil, "a NUL-led text is rejected"); return }
        // Past the nesting limit Foundation is not asked: its JSONDecoder traps when the text ends right at the
        // bracket that goes one level too deep (`[` × 513), while it builds its error.
        if reason.hasPrefix("nesting deeper than") { return }
        // The oracle reads the same text (`parse` takes a String: invalid UTF-8 is already repaired in it).
        let expected = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        if parsed == nil, expected != nil, reason.hasSuffix(JSONParser.Failure.inDuplicateValue) { return }
        guard let parsed else { precondition(expected == nil, "parse rejects what JSONDecoder accepts: \(reason)"); return }
        // Foundation rejects some zeros with an exponent (`0e1`, `0.00e1`); `parse` accepts them.
        if expected == nil, text.contains(#/(^|[^0-9.eE+-])-?0(\.0+)?[eE]/#) { return }
        guard let expected else { preconditionFailure("parse accepts what JSONDecoder rejects: \(parsed.jsonText)") }
        precondition(bitwiseEqual(parsed, expected), "parse and JSONDecoder disagree: \(parsed.jsonText) vs \(expected.jsonText)")
        precondition(bitwiseEqual((try? JSONValue.parse(parsed.jsonText)) ?? .null, parsed), "jsonText does not parse back")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let encoded = (try? String(decoding: encoder.encode(parsed), as: UTF8.self)) ?? "null"
        precondition(parsed.jsonText == encoded, "jsonText differs from JSONEncoder's: \(parsed.jsonText) vs \(encoded)")
    },
    "connection-uri": { bytes in
        guard let connection = try? Connection(id: "fuzz", uri: String(decoding: bytes, as: UTF8.self)) else { return }
        _ = connection.redacted
        if let settings = try? AWSConnectionSettings(connection: connection, environment: [:]) { _ = try? settings.endpoint(for: "sqs") }
    },
]

/// Equality down to the bits of numbers and the bytes of strings and keys (`==` calls -0 and 0 equal).
func bitwiseEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.number(let a), .number(let b)): return a.bitPattern == b.bitPattern
    case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
    case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy(bitwiseEqual)
    case (.object(let a), .object(let b)):
        return a.count == b.count
            && a.allSatisfy { key, value in
                guard let index = b.index(forKey: key) else { return false }
                return b[index].key.utf8.elementsEqual(key.utf8) && bitwiseEqual(value, b[index].value)
            }
    default: return a == b
    }
}

nonisolated(unsafe) var selected: (@Sendable ([UInt8]) -> Void)?

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>) -> CInt {
    let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
    guard let target = targets[name] else {
        FileHandle.standardError.write(Data("FUZZ_TARGET must be one of: \(targets.keys.sorted().joined(separator: ", ")); got '\(name)'\n".utf8))
        exit(2)
    }
    selected = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    selected?(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
