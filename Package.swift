// swift-tools-version:6.1
import CompilerPluginSupport
import PackageDescription

let package = Package(
    name: "infinitic-swift",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "InfiniticTransport", targets: ["InfiniticTransport"]),
        .library(name: "InfiniticRedis", targets: ["InfiniticRedis"]),
        .library(name: "Infinitic", targets: ["Infinitic"]),
        .library(name: "InfiniticTesting", targets: ["InfiniticTesting"]),
        .library(name: "InfiniticConfiguration", targets: ["InfiniticConfiguration"]),
        .library(name: "InfiniticWorkerCommand", targets: ["InfiniticWorkerCommand"]),
        .library(name: "InfiniticMetrics", targets: ["InfiniticMetrics"]),
        .library(name: "InfiniticTracing", targets: ["InfiniticTracing"]),
        .library(name: "InfiniticJemalloc", targets: ["InfiniticJemalloc"]),
        .executable(name: "infinitic-demo", targets: ["InfiniticDemo"]),
        .executable(name: "trip-booking", targets: ["TripBookingCLI"]),
        .executable(name: "transport-demo", targets: ["TransportDemo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-syntax.git", from: "603.0.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swhitty/FlyingFox.git", from: "0.27.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.3.0"),
    ],
    targets: [
        // hiredis 0.14 from Debian's libhiredis-dev. Only InfiniticRedis sees it. Without it, SwiftPM names the
        // package to install (`Scripts/with-dependencies.sh` installs it).
        .systemLibrary(
            name: "CHiredis", path: "Sources/CHiredis", pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"]), .brew(["hiredis"])]),

        // jemalloc from Debian's libjemalloc-dev, as the allocator of the worker executables that link
        // InfiniticJemalloc (a sixth less CPU per workflow than glibc's malloc: Benchmarks/README.md, "jemalloc linked").
        .systemLibrary(
            name: "CJemalloc", path: "Sources/CJemalloc", pkgConfig: "jemalloc",
            providers: [.apt(["libjemalloc-dev"]), .brew(["jemalloc"])]),
        .target(name: "InfiniticJemalloc", dependencies: ["CJemalloc"]),

        // The broker contract (Transport, TransportFactory) and its in-memory implementation.
        .target(
            name: "InfiniticTransport",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // The Redis client (hiredis behind a Sendable facade), the Redis Streams transport and its factory
        // (`transport: .redis(url:)`). Knows the broker contract, not Infinitic.
        .target(
            name: "InfiniticRedis",
            dependencies: [
                "CHiredis",
                "InfiniticTransport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // The user API (services, workflows, client), the engines as pure state machines, the runtime roles.
        // Runs on any Transport: no Redis here.
        .target(
            name: "Infinitic",
            dependencies: [
                "InfiniticTransport",
                "InfiniticMacros",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // Worker and client configuration files (YAML through Yams): key and line in every error.
        .target(
            name: "InfiniticConfiguration",
            dependencies: ["Infinitic", "InfiniticRedis", .product(name: "Yams", package: "Yams")]
        ),

        // Metrics of a worker (an interceptor over swift-metrics) and the HTTP endpoint that serves them in the
        // Prometheus text format with a health check; keeps metrics and HTTP out of the core library.
        .target(
            name: "InfiniticMetrics",
            dependencies: [
                "Infinitic",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // Distributed tracing of workflows (an interceptor over swift-distributed-tracing): the trace context
        // travels in the envelope headers, so one trace shows a whole workflow; keeps tracing out of the core.
        .target(
            name: "InfiniticTracing",
            dependencies: [
                "Infinitic",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
            ]
        ),

        // The process-per-role command line of a worker (`--role`, `--config`, graceful SIGTERM), for a user's
        // executable; keeps argument parsing out of the core library.
        .target(
            name: "InfiniticWorkerCommand",
            dependencies: [
                "Infinitic", "InfiniticConfiguration", "InfiniticJemalloc", "InfiniticMetrics", "InfiniticRedis",
                "InfiniticTracing", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // What a user's tests need, without a redis-server: the in-memory transport and manual clock, a worker and
        // a client in one test, a replayer of recorded histories.
        .target(
            name: "InfiniticTesting",
            dependencies: [
                "Infinitic",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The @Service and @Workflow macros (declared in Infinitic): contract stubs and method tables.
        .macro(
            name: "InfiniticMacros",
            dependencies: [
                .product(name: "SwiftCompilerPlugin", package: "swift-syntax"),
                .product(name: "SwiftDiagnostics", package: "swift-syntax"),
                .product(name: "SwiftSyntax", package: "swift-syntax"),
                .product(name: "SwiftSyntaxBuilder", package: "swift-syntax"),
                .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
            ]
        ),

        // The example application: a trip-booking saga (services, a workflow), compiled with the package.
        .target(
            name: "TripBooking",
            dependencies: ["Infinitic"],
            path: "Examples/TripBooking"
        ),

        // The second example: an order waiting for an approval with a deadline, then one child per parcel.
        .target(
            name: "OrderApproval",
            dependencies: ["Infinitic"],
            path: "Examples/OrderApproval"
        ),

        // The main job: the trip-booking saga on a local redis-server, through a worker and a client.
        .executableTarget(
            name: "InfiniticDemo",
            dependencies: [
                "Infinitic", "InfiniticJemalloc", "InfiniticRedis", "TripBooking",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The example's worker and client as a command line (one role per process in Deploy/).
        .executableTarget(
            name: "TripBookingCLI",
            dependencies: [
                "Infinitic", "InfiniticRedis", "InfiniticWorkerCommand", "OrderApproval", "TripBooking",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/TripBookingCLI"
        ),

        // The transport alone: keyed consumption, scheduling, dead letters, consume-and-produce.
        .executableTarget(
            name: "TransportDemo",
            dependencies: [
                "InfiniticRedis",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/TransportDemo"
        ),

        // Benchmarks (run in release, see Benchmarks/README.md): the transport against a raw hiredis loop,
        // one-task workflows per second with latency percentiles, and the workflow shapes users run (sequences,
        // fan-out, methods on a long-lived instance, an idle worker) with their scaling tables.
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                "InfiniticJemalloc", "InfiniticRedis",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/BenchmarkSupport"
        ),
        .executableTarget(
            name: "TransportBenchmark",
            dependencies: ["BenchmarkSupport", "InfiniticRedis", "InfiniticTransport"],
            path: "Benchmarks/TransportBenchmark"
        ),
        .executableTarget(
            name: "WorkflowBenchmark",
            dependencies: [
                "BenchmarkSupport", "Infinitic", "InfiniticMetrics", "InfiniticRedis", "InfiniticTracing",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/WorkflowBenchmark"
        ),
        .executableTarget(
            name: "ShapesBenchmark",
            dependencies: [
                "BenchmarkSupport", "Infinitic", "InfiniticRedis",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/ShapesBenchmark"
        ),

        // One-task workflows on one redis-server vs a local 3-master Redis Cluster, same run.
        .executableTarget(
            name: "ClusterBenchmark",
            dependencies: [
                "BenchmarkSupport", "Infinitic", "InfiniticRedis",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/ClusterBenchmark"
        ),

        // A consumer process the crash tests start and SIGKILL.
        .executableTarget(
            name: "TransportProbe",
            dependencies: ["InfiniticRedis", "InfiniticTransport"],
            path: "Tests/TransportProbe"
        ),

        // A worker or client of a small fleet the sticky-routing crash test starts and SIGKILLs.
        .executableTarget(
            name: "FleetProbe",
            dependencies: ["Infinitic", "InfiniticRedis", .product(name: "Logging", package: "swift-log")],
            path: "Tests/FleetProbe"
        ),

        // Fixtures shared by the test targets: a redis-server per test process, waiting helpers.
        .target(
            name: "TestSupport",
            dependencies: [
                "InfiniticRedis", "InfiniticTransport",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport"
        ),

        .testTarget(
            name: "InfiniticTransportTests",
            dependencies: [
                "InfiniticTransport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "InfiniticMacrosTests",
            dependencies: [
                "InfiniticMacros",
                .product(name: "SwiftSyntaxMacrosTestSupport", package: "swift-syntax"),
            ]
        ),
        .testTarget(
            name: "InfiniticTests",
            dependencies: [
                "Infinitic", "InfiniticRedis", "InfiniticTracing", "InfiniticTransport", "TestSupport",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // Depends on InfiniticTesting only, as a user's test target would: no hiredis, no redis-server.
        .testTarget(
            name: "InfiniticTestingTests",
            dependencies: ["InfiniticTesting"]
        ),
        .testTarget(
            name: "TripBookingTests",
            dependencies: [
                "Infinitic", "InfiniticConfiguration", "InfiniticMetrics", "InfiniticRedis", "InfiniticTesting",
                "InfiniticWorkerCommand", "TripBooking", "TestSupport", "TripBookingCLI", "OrderApproval",
                "InfiniticTracing", .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
        .testTarget(
            name: "InfiniticRedisTests",
            dependencies: ["InfiniticRedis", "InfiniticTransport", "TestSupport", "TransportProbe", "FleetProbe"]
        ),
    ]
)
