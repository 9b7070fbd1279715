import ArgumentParser
import EventideCLI
import Foundation

@main
struct FileArrivalEventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_03_02_file_arrival_events",
        abstract:
            "95.3.2 File Arrival Events: FileSensor, S3KeySensor and GCSObjectExistenceSensor, poke vs deferrable.",
        discussion: """
            Seven runs, one after the other: a FileSensor on landing/<dag>/orders_*.csv, an S3KeySensor on \
            exports/*/orders.csv and a GCSObjectExistenceSensor on exports/orders.csv, each in poke and deferrable \
            mode, plus a deferrable FileSensor whose folder does not exist yet (inotify cannot watch it: it polls). \
            Once a sensor waits, its file or object arrives (--arrival-delay-ms later) and the run reports the \
            detection latency, the pokes made (by the task and by the deferred trigger) and how long the DAG held a \
            worker slot. Buckets are embedded folders unless --s3 / --gcs name a server (scripts/servers up moto \
            gcs). It refuses a --db that an earlier run used (ExampleError.storeNotEmpty): every run starts empty.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "S3 endpoint for the S3KeySensor (moto: http://127.0.0.1:5000); default: embedded buckets.")
    var s3: String?
    @Option(help: "GCS endpoint for the GCS sensor (fake-gcs-server: http://127.0.0.1:4443); default: embedded.")
    var gcs: String?
    @Option(help: "Milliseconds between the sensor starting to wait and the file arriving (0–10000).")
    var arrivalDelayMs: Int = 500

    func validate() throws {
        guard (0...10_000).contains(arrivalDelayMs) else {
            throw ValidationError("--arrival-delay-ms must be between 0 and 10000, not \(arrivalDelayMs)")
        }
        for (flag, value) in [("--s3", s3), ("--gcs", gcs)] { _ = try Self.endpoint(value, flag: flag) }
    }

    /// An http(s) URL with a host and a valid port, or `nil` when the flag is absent.
    static func endpoint(_ text: String?, flag: String) throws -> URL? {
        guard let text else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false,
            url.port.map({ (1...65_535).contains($0) }) ?? true
        else {
            throw ValidationError("\(flag) must be an http(s) endpoint such as http://127.0.0.1:5000, not '\(text)'")
        }
        return url
    }

    func run() async throws {
        let configuration = FileArrivalEvents.Configuration(
            s3Endpoint: try Self.endpoint(s3, flag: "--s3"), gcsEndpoint: try Self.endpoint(gcs, flag: "--gcs"),
            arrivalDelay: .milliseconds(arrivalDelayMs))
        try await options.run(prefix: "file-arrival") { try await FileArrivalEvents.run(configuration, database: $0) }
    }
}
