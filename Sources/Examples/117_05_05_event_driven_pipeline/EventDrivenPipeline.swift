import Eventide
import Foundation

/// 117.5.5 — a file-arrival pipeline: a watcher on the landing folder feeds `landed_files`; validate, transform
/// and load chain through the assets they produce. A poison file goes to the dead letters with its reason, a
/// transient warehouse failure is retried with backoff, and loading the same file twice changes nothing.
// Longer than one screen: the four stages of the pipeline are the pattern; each is a few lines.
enum EventDrivenPipeline {
    // [START assets]
    /// One asset per stage: the watcher feeds the first, each stage's DAG produces the next.
    struct Assets: Sendable {
        let landed, validated, transformed, loaded: Asset

        init(landing: URL) throws {
            landed = try Asset(uri: "file://\(landing.path)", name: "landed_files").watched(by: [
                AssetWatcher(
                    name: "landing_watcher",
                    trigger: InotifyFileTrigger(pattern: landing.path + "/*.csv", pollInterval: .milliseconds(50)))
            ])
            validated = try Asset(uri: "eventide://pipeline/validated", name: "validated_files")
            transformed = try Asset(uri: "eventide://pipeline/transformed", name: "transformed_orders")
            loaded = try Asset(uri: "eventide://pipeline/loaded", name: "loaded_orders")
        }
    }
    // [END assets]

    // [START warehouse]
    /// The load target: rows by file checksum, so loading a file again changes nothing (idempotent). The first
    /// `transientFailures[file]` loads of a file fail, as a warehouse that is briefly unavailable does.
    actor Warehouse {
        struct Unavailable: Error, Equatable { let file: String }
        private(set) var rows: [String: [JSONValue]] = [:]
        private(set) var attempts: [String: Int] = [:]
        private var transientFailures: [String: Int]

        init(transientFailures: [String: Int]) { self.transientFailures = transientFailures }

        /// Loads `rows` under `checksum`; `false` when that checksum was loaded already.
        func load(file: String, checksum: String, rows fileRows: [JSONValue]) throws -> Bool {
            attempts[file, default: 0] += 1
            if let left = transientFailures[file], left > 0 {
                transientFailures[file] = left - 1
                throw Unavailable(file: file)
            }
            guard rows[checksum] == nil else { return false }
            rows[checksum] = fileRows
            return true
        }
    }
    // [END warehouse]

    // [START stages]
    /// validate → transform → load, each scheduled on the previous stage's asset; `files` travels in `extra`.
    static func dags(_ assets: Assets, warehouse: Warehouse, deadLetters: DeadLetterQueue) throws -> [DAG] {
        let validate = TaskDefinition("validate", outlets: [assets.validated]) { context in
            var files: [JSONValue] = []
            for event in context.triggeringEvents(of: assets.landed) {
                let path = event.extra["payload"]?["path"]?.stringValue ?? ""
                do {
                    files.append(try OrderFile.read(path: path, landedEvent: event.id))
                } catch let error as OrderFile.Invalid {  // a poison file: dead letter, not retried
                    try await deadLetters.add(
                        source: "landed_files", messageId: "\(event.id)", payload: .object(event.extra),
                        reason: error.description)
                }
            }
            if files.isEmpty { throw TaskSkipped("no valid file in this run") }
            return TaskOutput(outletExtra: [assets.validated.key: ["files": .array(files)]])
        }
        let transform = TaskDefinition("transform", outlets: [assets.transformed]) { context in
            let files = context.triggeringEvents(of: assets.validated).flatMap { $0.extra["files"]?.arrayValue ?? [] }
            return TaskOutput(outletExtra: [assets.transformed.key: ["files": .array(files.map(OrderFile.transform))]])
        }
        let load = TaskDefinition(
            "load", outlets: [assets.loaded],
            retry: RetryPolicy(retries: 3, delay: .milliseconds(50), exponentialBackoff: true)
        ) { context in
            var loaded: [JSONValue] = []
            for file in context.triggeringEvents(of: assets.transformed).flatMap({ $0.extra["files"]?.arrayValue ?? [] }
            ) {
                let isNew = try await warehouse.load(
                    file: file["name"]?.stringValue ?? "", checksum: file["checksum"]?.stringValue ?? "",
                    rows: file["rows"]?.arrayValue ?? [])
                var fields = file.objectValue ?? [:]
                fields["loaded"] = .bool(isNew)  // false: already loaded, nothing written
                loaded.append(.object(fields))
            }
            return TaskOutput(outletExtra: [assets.loaded.key: ["files": .array(loaded)]])
        }
        return [
            try DAG("validate_files", schedule: .on([assets.landed]), tasks: [validate]),
            try DAG("transform_orders", schedule: .on([assets.validated]), tasks: [transform]),
            try DAG("load_orders", schedule: .on([assets.transformed]), tasks: [load]),
        ]
    }
    // [END stages]

    // [START order_file]
    /// A landed CSV file (`order_id,amount` then one order per line) and the transform of its rows.
    enum OrderFile {
        struct Invalid: Error, Equatable, CustomStringConvertible {
            let file: String, line: Int, problem: String
            var description: String { "\(file) line \(line): \(problem)" }
        }

        /// The file's name, checksum and rows; `Invalid` names the first bad line (a poison file).
        static func read(path: String, landedEvent: Int64) throws -> JSONValue {
            let name = URL(fileURLWithPath: path).lastPathComponent
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw Invalid(file: name, line: 0, problem: "unreadable")
            }
            let lines = text.split(separator: "\n").map(String.init)
            guard lines.first == "order_id,amount" else { throw Invalid(file: name, line: 1, problem: "bad header") }
            var rows: [JSONValue] = []
            for (index, line) in lines.dropFirst().enumerated() {
                let fields = line.split(separator: ",").map(String.init)
                guard fields.count == 2, let amount = Double(fields[1]) else {
                    throw Invalid(file: name, line: index + 2, problem: "expected order_id,amount, got \"\(line)\"")
                }
                rows.append(["order_id": .string(fields[0]), "amount": .number(amount)])
            }
            return [
                "name": .string(name),
                "checksum": .string(
                    String(
                        text.utf8.reduce(UInt64(14_695_981_039_346_656_037)) {
                            ($0 ^ UInt64($1)) &* 1_099_511_628_211
                        }, radix: 16)), "landed_event": .number(Double(landedEvent)), "rows": .array(rows),
            ]
        }

        /// Amounts to integer cents.
        static func transform(_ file: JSONValue) -> JSONValue {
            var fields = file.objectValue ?? [:]
            fields["rows"] = .array(
                (file["rows"]?.arrayValue ?? []).map { row in
                    [
                        "order_id": row["order_id"] ?? .null,
                        "cents": .number(((row["amount"]?.doubleValue ?? 0) * 100).rounded()),
                    ]
                })
            return .object(fields)
        }
    }
    // [END order_file]
}
