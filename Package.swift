// swift-tools-version: 6.1
import PackageDescription

let grdb: Target.Dependency = .product(name: "GRDB", package: "GRDB.swift")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let lifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let httpClient: Target.Dependency = .product(name: "AsyncHTTPClient", package: "async-http-client")

/// The catalog, in order: one entry per item. Each entry becomes an executable target at
/// `Sources/Examples/<id>` with the module name `Ex<id>` and a product named exactly `<id>`
/// (the item's filename without `.py`). `links` names the runtime modules the item needs
/// beyond the core (`Eventide`) and the example support (`EventideCLI`).
let examples: [(id: String, links: [Target.Dependency])] = [
    // 95.1 Asset-Based Event Triggers
    ("95_01_01_asset_producer", []),
    ("95_01_02_asset_consumer", []),
    ("95_01_03_multi_asset_dependencies", []),
    ("95_01_04_asset_event_metadata", []),
    ("95_01_05_conditional_asset_triggers", []),
    // 95.3 Sensor-Based Event Handling
    ("95_03_01_external_task_sensor", []),
    ("95_03_02_file_arrival_events", ["EventideAWS", "EventideS3", "EventideGCS"]),
    ("95_03_04_sql_based_events", ["EventidePostgres"]),
    ("95_03_05_custom_event_sensors", []),
    // 95.4 Event-Driven Architecture Patterns
    ("95_04_01_event_sourcing", []),
    ("95_04_02_pubsub_pattern", ["EventideKafkaCLI"]),
    ("95_04_03_event_choreography", []),
    ("95_04_04_saga_pattern", []),
    ("95_04_05_cqrs_integration", []),
    // 95.5 Event Processing Patterns
    ("95_05_01_event_deduplication", []),
    ("95_05_02_event_ordering", ["EventideKafkaCLI"]),
    ("95_05_03_event_batching", []),
    ("95_05_04_event_filtering_routing", []),
    ("95_05_05_dead_letter_queue", []),
    // 117.1 AssetWatcher Fundamentals
    ("117_01_01_watcher_basics", []),
    ("117_01_02_watcher_config", []),
    ("117_01_03_asset_with_watcher", []),
    ("117_01_04_event_vs_polling", []),
    ("117_01_05_watcher_lifecycle", [lifecycle, logging]),
    // 117.2 AWS SQS Triggers (the embedded queues by default, SQS with --sqs)
    ("117_02_01_sqs_watcher_setup", ["EventideSQSCLI"]),
    ("117_02_02_sqs_filtering", ["EventideSQSCLI"]),
    ("117_02_03_s3_sqs_events", ["EventideSQSCLI", "EventideS3"]),
    ("117_02_04_sqs_batch_processing", ["EventideSQSCLI"]),
    ("117_02_05_sqs_dlq", ["EventideSQSCLI"]),
    // 117.3 External Event Monitoring
    ("117_03_01_generic_watcher", []),
    ("117_03_02_kafka_watcher", ["EventideKafkaCLI"]),
    ("117_03_05_cdc_watcher", ["EventidePostgresCLI"]),
    // 117.4 TriggerEvent Handling
    ("117_04_01_trigger_event_basics", []),
    ("117_04_02_event_data_extraction", []),
    ("117_04_03_multi_event_runs", []),
    ("117_04_04_event_routing", []),
    // 117.5 Combining Watchers with Assets
    ("117_05_01_multiple_watchers", []),
    ("117_05_02_asset_watcher_deps", []),
    ("117_05_03_conditional_scheduling", []),
    ("117_05_04_cross_dag_events", [.product(name: "Tracing", package: "swift-distributed-tracing")]),
    ("117_05_05_event_driven_pipeline", []),
]

/// Items that serve or call HTTP (Hummingbird and async-http-client): they link EventideHTTP, so only they pay for
/// it. Listed in catalog order like `examples`; kept apart so the HTTP stack stays out of every other item.
let httpExamples: [(id: String, links: [Target.Dependency])] = [
    // 95.2 External Event Integration
    ("95_02_01_webhook_triggering", []),
    ("95_02_05_custom_event_gateway", []),
    // 95.3 Sensor-Based Event Handling
    ("95_03_03_http_endpoint_events", [hummingbird]),
    // 117.3 External Event Monitoring
    ("117_03_04_webhook_watcher", []),
    // 117.4 TriggerEvent Handling
    ("117_04_05_event_replay", []),
    // 117.10 Real-World Asset Watchers
    ("117_10_04_webhook_workflows", []),
]

func moduleName(_ id: String) -> String { "Ex" + id }

var targets: [Target] = [
    // The shared runtime: events, durable log, assets, DAGs, scheduler, triggerer.
    .target(
        name: "Eventide",
        dependencies: [
            grdb, logging, lifecycle, metrics,
            .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            .product(name: "Stencil", package: "Stencil"),  // task-argument templates
            .product(name: "Tracing", package: "swift-distributed-tracing"),  // lineage spans (W3C trace context)
        ]),
    // What every example's entry point shares: flags, narrative, JSON outcome.
    .target(name: "EventideCLI", dependencies: ["Eventide", argumentParser, logging]),
    // AWS request signing (Signature V4) and the shared HTTP client, for the SQS and S3 clients; only items that talk to AWS link it.
    .target(
        name: "EventideAWS",
        dependencies: [
            "Eventide", .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
    // SQS over async-http-client (NIO: only the items that talk to SQS link it).
    .target(
        name: "EventideSQS",
        dependencies: [
            "Eventide", "EventideAWS",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
    // S3 over async-http-client: buckets, objects, notifications to SQS, and the S3 file-arrival trigger.
    .target(
        name: "EventideS3",
        dependencies: [
            "Eventide", "EventideAWS", "EventideSQS",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
    // Google Cloud Storage's JSON API over async-http-client (GCS, fake-gcs-server) and GCSObjectExistenceSensor.
    .target(
        name: "EventideGCS",
        dependencies: [
            "Eventide", httpClient, .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
    // The --sqs flag of the queue examples: the embedded queues (and buckets) by default, SQS and S3 (moto) with the flag.
    .target(
        name: "EventideSQSCLI",
        dependencies: [
            "Eventide", "EventideCLI", "EventideAWS", "EventideSQS", "EventideS3",
            argumentParser,
        ]),
    // The --kafka flag of the topic examples: the embedded log by default, a Kafka broker (tansu) with the flag.
    .target(name: "EventideKafkaCLI", dependencies: ["Eventide", "EventideCLI", "EventideKafka", argumentParser]),
    // The --postgres flag of the change-capture examples: trigger-based capture on the embedded store by default.
    .target(
        name: "EventidePostgresCLI", dependencies: ["Eventide", "EventideCLI", "EventidePostgres", argumentParser]),
    // rabbitmq-c, the C client of RabbitMQ (apt librabbitmq-dev), as a system library for EventideAMQP.
    .systemLibrary(name: "CRabbitMQ", pkgConfig: "librabbitmq", providers: [.apt(["librabbitmq-dev"])]),
    // AMQP 0-9-1 (RabbitMQ) over rabbitmq-c: an async client on a dedicated thread per connection, and AMQPTrigger (amqp://).
    .target(name: "EventideAMQP", dependencies: ["Eventide", "CRabbitMQ"]),
    // HTTP on Hummingbird 2: Airflow's REST API v2 with JWT auth, signed webhooks, Prometheus metrics. Only the
    // items and tools that serve HTTP link it.
    .target(
        name: "EventideHTTP",
        dependencies: [
            "Eventide", hummingbird, logging, metrics, lifecycle, httpClient,  // httpClient: HttpSensor
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOPosix", package: "swift-nio"),  // the server's event loop
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
    // What the HTTP items share: the server they start and the client they send real requests with.
    .target(name: "EventideHTTPCLI", dependencies: ["Eventide", "EventideCLI", "EventideHTTP", httpClient]),
    // The web console (/ui): server-rendered HTML (Mustache) over a read model of the store; `eventide-console`
    // serves it with /metrics over any example's store.
    .target(
        name: "EventideConsole",
        dependencies: [
            "Eventide", "EventideHTTP", hummingbird, grdb, .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
    .executableTarget(
        name: "EventideConsoleTool",
        dependencies: ["Eventide", "EventideConsole", "EventideHTTP", argumentParser, logging, lifecycle],
        path: "Sources/Tools/EventideConsoleTool"),
    .testTarget(
        name: "EventideHTTPTests",
        dependencies: [
            "Eventide", "EventideTesting", "EventideHTTP", hummingbird, httpClient, logging,
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            "EventideConsole", .product(name: "Prometheus", package: "swift-prometheus"),  // console, /metrics
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "HTTPTypes", package: "swift-http-types"),
        ]),
    // Test support: temporary stores, manual clock, seeded ids.
    .target(name: "EventideTesting", dependencies: ["Eventide"]),
    // A child process for the crash test: appends events and reports each acknowledged offset.
    .executableTarget(
        name: "EventideLogWriter", dependencies: ["Eventide", argumentParser],
        path: "Sources/Tools/EventideLogWriter"),
    // The dead-letter queue from the command line: `eventide-dlq --db <path> list|show|edit|redrive|discard`.
    .executableTarget(
        name: "EventideDLQTool", dependencies: ["Eventide", argumentParser], path: "Sources/Tools/EventideDLQTool"),
    // Why an asset event did or did not trigger a DAG: `eventide-explain --db <path> (--event <id> | --dag <dag_id>)`.
    .executableTarget(
        name: "EventideExplainTool", dependencies: ["Eventide", argumentParser],
        path: "Sources/Tools/EventideExplainTool"),
    // A child process for the projection crash test: fills an event store, applies a counting projection.
    .executableTarget(
        name: "EventideProjectionWriter", dependencies: ["Eventide", argumentParser],
        path: "Sources/Tools/EventideProjectionWriter"),
    .testTarget(
        name: "EventideTests",
        dependencies: [
            "Eventide", "EventideTesting", "EventideAWS", "EventideSQS", "EventideS3", "EventideGCS", grdb, logging,
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "MetricsTestKit", package: "swift-metrics"),  // the runtime's metrics, recorded in tests
            .product(name: "Tracing", package: "swift-distributed-tracing"),  // lineage spans
        ]),
    // The AMQP client and trigger against rabbitmq-server (scripts/servers up rabbitmq).
    .testTarget(name: "EventideAMQPTests", dependencies: ["Eventide", "EventideTesting", "EventideAMQP"]),
    // Postgres change data capture (wal2json through a logical slot), outbox and the postgres:// trigger (postgres-nio).
    .target(
        name: "EventidePostgres",
        dependencies: ["Eventide", logging, .product(name: "PostgresNIO", package: "postgres-nio")]),
    // Tests of EventidePostgres against a local PostgreSQL 15 with wal2json (scripts/servers up postgres).
    .testTarget(
        name: "EventidePostgresTests",
        dependencies: [
            "Eventide", "EventideTesting", "EventidePostgres",
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),
    // Kafka: a native client on SwiftNIO (producer, consumer-group member) and the kafka:// trigger.
    .target(
        name: "EventideKafka",
        dependencies: [
            "Eventide", .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
    // Kafka client and trigger tests against the tansu broker (scripts/servers up tansu).
    .testTarget(name: "EventideKafkaTests", dependencies: ["Eventide", "EventideTesting", "EventideKafka"]),
]

targets += examples.map { item in
    .executableTarget(
        name: moduleName(item.id),
        dependencies: ["Eventide", "EventideCLI"] + item.links,
        path: "Sources/Examples/\(item.id)")
}
targets += httpExamples.map { item in
    .executableTarget(
        name: moduleName(item.id),
        dependencies: ["Eventide", "EventideCLI", "EventideHTTP", "EventideHTTPCLI", httpClient] + item.links,
        path: "Sources/Examples/\(item.id)")
}
targets.append(
    .testTarget(
        name: "CatalogTests",
        dependencies: [
            "Eventide", "EventideCLI", "EventideTesting", "EventideAWS", "EventideSQS", "EventideS3", "EventideSQSCLI",
            "EventideGCS",
            "EventideKafka", "EventideKafkaCLI", "EventidePostgresCLI",
            "EventidePostgres", "EventideHTTP", "EventideHTTPCLI", httpClient,
        ] + (examples + httpExamples).map { .target(name: moduleName($0.id)) }))

let package = Package(
    name: "Eventide",
    platforms: [.macOS(.v15)],
    products: [
        // The runtime and its clients as libraries, for the benchmarks package (Benchmarks/, which depends on
        // this one by path) and for users of the runtime.
        .library(name: "Eventide", targets: ["Eventide"]),
        .library(name: "EventideTesting", targets: ["EventideTesting"]),
        .library(name: "EventideAWS", targets: ["EventideAWS"]),
        .library(name: "EventideSQS", targets: ["EventideSQS"]),
        .library(name: "EventideS3", targets: ["EventideS3"]),
        .library(name: "EventideGCS", targets: ["EventideGCS"]),
        .library(name: "EventideAMQP", targets: ["EventideAMQP"]),
        .library(name: "EventidePostgres", targets: ["EventidePostgres"]),
        .library(name: "EventideKafka", targets: ["EventideKafka"]),
        // The child process of the crash test (the benchmarks are in Benchmarks/, a package of their own).
        .executable(name: "eventide-log-writer", targets: ["EventideLogWriter"]),
        .executable(name: "eventide-projection-writer", targets: ["EventideProjectionWriter"]),
        // The web console and /metrics over a store: `eventide-console --db <path>`.
        .executable(name: "eventide-console", targets: ["EventideConsoleTool"]),
        .executable(name: "eventide-dlq", targets: ["EventideDLQTool"]),
        .executable(name: "eventide-explain", targets: ["EventideExplainTool"]),
        .library(name: "EventideHTTP", targets: ["EventideHTTP"]),
    ] + (examples + httpExamples).map { .executable(name: $0.id, targets: [moduleName($0.id)]) },
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // 4.x for jwt-kit 5; 3.x still satisfies the rest.
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // NIOHTTP1 for S3; the Kafka wire protocol.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),  // EventidePostgres
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),  // batching windows
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // EventideHTTP and the console.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),  // HTTPTypes, which Hummingbird uses
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),  // the console's pages
        .package(url: "https://github.com/stencilproject/Stencil", from: "0.15.1"),  // task-argument templates
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),  // lineage spans
    ],
    targets: targets
)

for target in package.targets where target.type != .system {  // a system library (CRabbitMQ) takes no settings
    var settings = target.swiftSettings ?? []
    settings.append(.swiftLanguageMode(.v6))
    target.swiftSettings = settings
}
