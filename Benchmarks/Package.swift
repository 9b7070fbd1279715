// swift-tools-version: 6.1
import PackageDescription

// The benchmarks live in their own package (as swift-nio's do), so that building and testing the catalog never
// builds them. They use the root package's library products through a path dependency. Run from the repository
// root, in release mode:
//     swift run --package-path Benchmarks -c release eventide-benchmark
// (scripts/benchmark-sources runs the event-source ones against local servers).

let eventide = "Eventide"  // the root package, by the name its manifest gives (the folder's name may differ)
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "EventideBenchmarks",
    platforms: [.macOS(.v15)],
    products: [
        // Log appends, asset event → task latency, idle CPU.
        .executable(name: "eventide-benchmark", targets: ["EventideBenchmark"]),
        // SQS rates of our client beside boto3 on the same server (moto).
        .executable(name: "eventide-sqs-benchmark", targets: ["EventideSQSBenchmark"]),
        // RabbitMQ throughput (publish with confirms, consume with ack).
        .executable(name: "eventide-amqp-benchmark", targets: ["EventideAMQPBenchmark"]),
        // Postgres CDC throughput (wal2json → our log).
        .executable(name: "eventide-cdc-benchmark", targets: ["EventideCDCBenchmark"]),
        // Kafka produce and consume, our client beside confluent-kafka (tansu).
        .executable(name: "eventide-kafka-benchmark", targets: ["EventideKafkaBenchmark"]),
        // The REST API: committed asset events per second beside a bare route, POST → task latency.
        .executable(name: "eventide-http-benchmark", targets: ["EventideHTTPBenchmark"]),
    ],
    dependencies: [
        .package(name: eventide, path: ".."),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),  // GRDBSQLite: the raw sqlite3 baseline
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        .executableTarget(
            name: "EventideBenchmark",
            dependencies: [
                .product(name: "Eventide", package: eventide),
                .product(name: "EventideTesting", package: eventide),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                argumentParser,
            ]),
        .executableTarget(
            name: "EventideSQSBenchmark",
            dependencies: [
                .product(name: "Eventide", package: eventide),
                .product(name: "EventideAWS", package: eventide),
                .product(name: "EventideSQS", package: eventide),
                argumentParser,
            ]),
        .executableTarget(
            name: "EventideAMQPBenchmark",
            dependencies: [.product(name: "EventideAMQP", package: eventide), argumentParser]),
        .executableTarget(
            name: "EventideCDCBenchmark",
            dependencies: [
                .product(name: "Eventide", package: eventide),
                .product(name: "EventideTesting", package: eventide),
                .product(name: "EventidePostgres", package: eventide),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                argumentParser,
            ]),
        .executableTarget(
            name: "EventideHTTPBenchmark",
            dependencies: [
                .product(name: "Eventide", package: eventide),
                .product(name: "EventideTesting", package: eventide),
                .product(name: "EventideHTTP", package: eventide),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),  // the flushed-commit floor
                argumentParser,
            ]),
        .executableTarget(
            name: "EventideKafkaBenchmark",
            dependencies: [.product(name: "EventideKafka", package: eventide), argumentParser]),
    ],
    swiftLanguageModes: [.v6]
)
