import Eventide
import EventideAWS
import EventideCLI
import EventideGCS
import EventideS3
import Foundation

/// Drives the sensors of `FileArrivalEvents.swift`: for each sensor and mode, a run waits, a file or object
/// arrives a moment later, and the scenario measures how long detection took, how many pokes it made and how
/// long the DAG's tasks held a worker slot.
extension FileArrivalEvents {
    static let item = "95.3.2"
    static let title = "File Arrival Events"

    struct Configuration: Sendable {
        /// S3 (moto) instead of the embedded buckets for the S3 sensor.
        var s3Endpoint: URL?
        /// GCS (fake-gcs-server) instead of the embedded buckets for the GCS sensor.
        var gcsEndpoint: URL?
        /// How long after the sensor starts waiting the file arrives.
        var arrivalDelay: Duration = .milliseconds(500)
    }

    enum Kind: String, Codable, Sendable, Hashable { case file, s3, gcs }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        /// The sensor run did not finish with both tasks succeeding.
        case runDidNotSucceed(dagId: String, state: String)

        var description: String {
            switch self {
            case .runDidNotSucceed(let dagId, let state):
                "the run of \(dagId) ended \(state), not success: its sensor did not detect the file"
            }
        }
    }

    /// One sensor in one mode, as measured.
    struct Detection: Codable, Sendable, Hashable {
        let dagId: String
        let kind: Kind
        let mode: SensorMode
        /// Where it watched: local disk, embedded buckets, or the server.
        let backend: String
        /// The path or key that arrived.
        let arrived: String
        let sensorState: TaskState?
        /// What the downstream task received from the sensor.
        let received: String?
        /// From the arrival to the sensor task's end, on the runtime's clock.
        let latencyMilliseconds: Double
        /// Pokes by the task (in the worker), and checks by the deferred trigger (in the triggerer).
        let taskPokes: Int
        let triggerChecks: Int
        /// Reads after inotify woke the file trigger.
        let inotifyWakeUps: Int
        /// How the deferrable file trigger watched (`inotify`, `polling`) and why it polled.
        let watch: String?
        let fallback: String?
        /// Worker slots held while the sensor waited (before the file arrived): 1 in poke mode, 0 deferred.
        let slotsHeldWhileWaiting: Int
        /// Worker slots granted to the DAG's tasks, and how long they held them.
        let slotAcquisitions: Int
        let slotHeldMilliseconds: Double
    }

    struct Outcome: Codable, Sendable {
        let s3Backend: String
        let gcsBackend: String
        let workerSlots: Int
        let detections: [Detection]
    }

    /// A bucket the scenario puts objects into and the sensors list.
    struct Bucket: Sendable {
        let name: String
        let listing: any ObjectListing
        let put: @Sendable (_ key: String, _ body: Data) async throws -> Void
    }

    /// Makes a fresh bucket per DAG: embedded folders by default, or on the server the configuration names.
    struct Buckets: Sendable {
        let label: String
        let make: @Sendable (_ dagId: String) async throws -> Bucket
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let root = try database.folder("landing")
        timeline.abbreviate(root, as: "landing")
        let s3 = try s3Buckets(configuration.s3Endpoint, database: database)
        let gcs = try gcsBuckets(configuration.gcsEndpoint, database: database)
        let cases: [(dagId: String, kind: Kind, mode: SensorMode)] = [
            ("file_poke", .file, .poke), ("file_deferrable", .file, .deferrable),
            ("file_deferrable_new_folder", .file, .deferrable), ("s3_poke", .s3, .poke),
            ("s3_deferrable", .s3, .deferrable), ("gcs_poke", .gcs, .poke), ("gcs_deferrable", .gcs, .deferrable),
        ]
        var prepared: [(dagId: String, kind: Kind, mode: SensorMode, sensors: Sensors, folder: URL, bucket: Bucket)] =
            []
        var dags: [DAG] = []
        for (dagId, kind, mode) in cases {
            let folder = root.appendingPathComponent(dagId)
            if dagId != "file_deferrable_new_folder" {  // that one's folder appears with its file
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            }
            let bucket = try await (kind == .gcs ? gcs : s3).make(dagId)
            let landing = Landing(
                folder: folder, s3: bucket.listing, s3Bucket: bucket.name, gcs: bucket.listing, gcsBucket: bucket.name)
            let sensors = Sensors(landing)
            let dag: DAG
            switch kind {
            case .file: dag = try Self.dag(dagId, sensor: sensors.file, mode: mode)
            case .s3: dag = try Self.dag(dagId, sensor: sensors.s3, mode: mode)
            case .gcs: dag = try Self.dag(dagId, sensor: sensors.gcs, mode: mode)
            }
            dags.append(dag)
            prepared.append((dagId, kind, mode, sensors, folder, bucket))
        }
        let slots = 4
        let orchestrator = Orchestrator(database: database, executor: ExecutorSettings(workerSlots: slots))
        try await orchestrator.register(dags: dags)
        try await orchestrator.requireFreshStore()
        timeline.note("S3 sensor on \(s3.label), GCS sensor on \(gcs.label); \(slots) worker slots")

        let runs = prepared
        let detections = try await orchestrator.withServices {
            var detections: [Detection] = []
            for entry in runs {
                let backend = entry.kind == .file ? "local disk" : (entry.kind == .s3 ? s3.label : gcs.label)
                detections.append(
                    try await detect(
                        entry.dagId, kind: entry.kind, mode: entry.mode, sensors: entry.sensors, folder: entry.folder,
                        bucket: entry.bucket, backend: backend, delay: configuration.arrivalDelay,
                        orchestrator: orchestrator, timeline: timeline))
            }
            return detections
        }
        let outcome = Outcome(s3Backend: s3.label, gcsBackend: gcs.label, workerSlots: slots, detections: detections)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// One run: wait until the sensor waits (poked once, or deferred), let the file arrive, measure.
    static func detect(
        _ dagId: String, kind: Kind, mode: SensorMode, sensors: Sensors, folder: URL, bucket: Bucket, backend: String,
        delay: Duration, orchestrator: Orchestrator, timeline: Timeline
    ) async throws -> Detection {
        let scheduler = orchestrator.scheduler
        let clock = orchestrator.clock
        let taskPokes: @Sendable () -> Int = { [sensors] in
            switch kind {
            case .file: sensors.file.pokes.current
            case .s3: sensors.s3.pokes.current
            case .gcs: sensors.gcs.pokes.current
            }
        }
        let ref = try await scheduler.triggerRun(dagId)
        try await WaitDeadline.seconds(30).enforce(waitingFor: "\(dagId)'s sensor to wait") {
            while true {
                let state = try await scheduler.run(ref)?.task("wait_for_file")?.state
                let deferredTriggers = await orchestrator.triggerer.deferredTriggers
                let waiting =
                    mode == .deferrable
                    ? state == .deferred && deferredTriggers > 0
                    : state == .running && taskPokes() > 0
                if waiting { return }
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        let heldWhileWaiting = orchestrator.executor.slots.snapshot().inUse  // runs go one at a time: only this one
        timeline.note(
            "\(dagId): wait_for_file (\(kind.rawValue) sensor, \(mode.rawValue)) is waiting, holding "
                + "\(heldWhileWaiting) worker slot(s)")
        try await clock.sleep(for: delay)

        // The arrival: a file renamed into place (never half-written under its final name), or an object put.
        let arrived: String
        let arrivedAt: Date
        switch kind {
        case .file:
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let final = folder.appendingPathComponent("orders_1.csv")
            let partial = folder.appendingPathComponent(".orders_1.csv.partial")
            try Data("id,amount\n1,10\n".utf8).write(to: partial)
            arrivedAt = clock.date
            try FileManager.default.moveItem(at: partial, to: final)
            arrived = final.path
        case .s3, .gcs:
            let key = kind == .s3 ? "exports/2026-12-01/orders.csv" : "exports/orders.csv"
            try await bucket.put(key, Data("id,amount\n1,10\n".utf8))
            arrivedAt = clock.date
            arrived = key
        }
        timeline.note("\(dagId): \(arrived) arrived", at: arrivedAt)

        let run = try requireRun(await scheduler.waitForFinishedRuns(of: dagId, count: 1).last, dagId: dagId)
        guard run.state == .success else {
            throw ScenarioError.runDidNotSucceed(dagId: dagId, state: run.state.rawValue)
        }
        let sensorTask = run.task("wait_for_file")
        let detectedAt = sensorTask?.endedAt ?? clock.date
        let returned = sensorTask?.returnValue ?? .null
        let received = run.task("process")?.returnValue?["received"]?.stringValue
        let slot = orchestrator.executor.slots.snapshot()
        let (triggerChecks, wakeUps): (Int, Int) =
            switch kind {
            case .file: (sensors.file.triggerPolls.current, sensors.file.wakeUps.current)
            case .s3: (sensors.s3.triggerPokes.current, 0)
            case .gcs: (sensors.gcs.triggerPokes.current, 0)
            }
        let detection = Detection(
            dagId: dagId, kind: kind, mode: mode, backend: backend, arrived: arrived, sensorState: sensorTask?.state,
            received: received,
            latencyMilliseconds: max(0, detectedAt.timeIntervalSince(arrivedAt) * 1000),
            taskPokes: taskPokes(), triggerChecks: triggerChecks, inotifyWakeUps: wakeUps,
            watch: returned["watch"]?.stringValue,
            fallback: returned["fallback"]?.stringValue.map {  // the temporary folder differs per run
                $0.replacingOccurrences(of: folder.deletingLastPathComponent().path + "/", with: "landing/")
            },
            slotsHeldWhileWaiting: heldWhileWaiting, slotAcquisitions: slot.acquisitionsByOwner[dagId] ?? 0,
            slotHeldMilliseconds: (slot.heldTime[dagId] ?? .zero).inMilliseconds)
        timeline.note(
            "\(dagId): detected after \(Int(detection.latencyMilliseconds.rounded())) ms; \(detection.taskPokes) "
                + "task poke(s), \(triggerChecks) trigger check(s), \(wakeUps) inotify wake-up(s)"
                + (detection.watch.map { ", watched by \($0)" } ?? "")
                + (detection.fallback.map { " (\($0))" } ?? "")
                + "; slots held \(Int(detection.slotHeldMilliseconds.rounded())) ms; process received "
                + (received ?? "nothing"), at: detectedAt)
        return detection
    }

    static func requireRun(_ run: DagRun?, dagId: String) throws -> DagRun {
        guard let run else { throw ScenarioError.runDidNotSucceed(dagId: dagId, state: "missing") }
        return run
    }

    // MARK: Buckets

    static func s3Buckets(_ endpoint: URL?, database: EventideDatabase) throws -> Buckets {
        guard let endpoint else { return try embeddedBuckets(database.folder("s3"), database: database) }
        let environment = ProcessInfo.processInfo.environment
        let client = S3Client(
            endpoint: endpoint,
            credentials: AWSCredentials.fromEnvironment(environment)
                ?? AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing"))
        let run = freshSuffix()
        return Buckets(label: "S3 at \(endpoint.absoluteString)") { dagId in
            let name = "eventide-\(dagId.replacingOccurrences(of: "_", with: "-"))-\(run)"
            try await client.createBucket(name)
            return Bucket(name: name, listing: client) { key, body in
                try await client.putObject(bucket: name, key: key, body: body)
            }
        }
    }

    static func gcsBuckets(_ endpoint: URL?, database: EventideDatabase) throws -> Buckets {
        guard let endpoint else { return try embeddedBuckets(database.folder("gcs"), database: database) }
        let client = try GCSClient(endpoint: endpoint)
        let run = freshSuffix()
        return Buckets(label: "GCS at \(endpoint.absoluteString)") { dagId in
            let name = "eventide-\(dagId.replacingOccurrences(of: "_", with: "-"))-\(run)"
            try await client.createBucket(name)
            return Bucket(name: name, listing: client) { key, body in
                try await client.upload(bucket: name, name: key, body: body)
            }
        }
    }

    /// Buckets as folders (`EmbeddedObjectStore`), offline.
    static func embeddedBuckets(_ folder: URL, database: EventideDatabase) throws -> Buckets {
        let queues = EmbeddedQueue(database: database)  // for notifications, which the sensors do not use
        return Buckets(label: "embedded buckets") { dagId in
            let store = EmbeddedObjectStore(folder: folder, queues: queues)
            let name = dagId.replacingOccurrences(of: "_", with: "-")
            try await store.createBucket(name)
            return Bucket(name: name, listing: store) { key, body in
                try await store.putObject(bucket: name, key: key, body: body)
            }
        }
    }

    /// Servers keep buckets between runs: each run makes its own.
    static func freshSuffix() -> String { String(UInt32.random(in: 0...UInt32.max), radix: 16) }

    // MARK: Conclusions

    static func proved(_ outcome: Outcome) -> [String] {
        let all = outcome.detections
        let detected = all.filter { $0.sensorState == .success && $0.received == $0.arrived }
        func held(_ mode: SensorMode) -> String {
            all.filter { $0.mode == mode && $0.dagId != "file_deferrable_new_folder" }.map {
                "\($0.kind.rawValue) \(Int($0.slotHeldMilliseconds.rounded())) ms"
            }.joined(separator: ", ")
        }
        func latency(_ mode: SensorMode) -> String {
            all.filter { $0.mode == mode }.map { "\($0.dagId) \(Int($0.latencyMilliseconds.rounded())) ms" }
                .joined(separator: ", ")
        }
        var lines = [
            "file events detected: \(detected.count) of \(all.count) sensors succeeded and their process task "
                + "received the path or key that arrived",
            "worker slots held while waiting, poke mode: \(held(.poke)); deferrable: \(held(.deferrable))",
            "detection latency, poke: \(latency(.poke)); deferrable: \(latency(.deferrable))",
        ]
        if let inotify = all.first(where: { $0.dagId == "file_deferrable" }) {
            lines.append(
                "deferrable FileSensor watched by \(inotify.watch ?? "nothing"): \(inotify.inotifyWakeUps) inotify "
                    + "wake-up(s), \(inotify.triggerChecks) polling check(s)")
        }
        if let fallback = all.first(where: { $0.dagId == "file_deferrable_new_folder" }) {
            lines.append(
                "in a folder that did not exist yet it fell back to \(fallback.watch ?? "nothing") "
                    + "(\(fallback.fallback ?? "no reason")): \(fallback.triggerChecks) polling check(s)")
        }
        return lines
    }
}
