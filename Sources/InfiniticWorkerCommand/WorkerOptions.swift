import ArgumentParser
import Foundation
import Infinitic
import InfiniticConfiguration
import InfiniticJemalloc
import InfiniticMetrics
import InfiniticRedis
import InfiniticTracing
import Logging
import ServiceLifecycle
import Synchronization
import Tracing

/// The process-per-role command line of a worker, for a user's executable:
///
/// ```swift
/// @main struct HotelWorker: AsyncParsableCommand {
///     @OptionGroup var worker: WorkerOptions
///     func run() async throws {
///         try await worker.run(services: [hotel], workflows: [bookTrip])
///     }
/// }
/// // hotel-worker --config worker.yml --role service-executor:HotelService
/// ```
///
/// Settings come from the defaults, then the configuration file (`--config`, see `ConfigurationFile`), then
/// the command line. With `--metrics-port` (or the file's `metrics:`), the worker records its metrics
/// (`MetricsInterceptor`) and serves `GET /metrics` (Prometheus) and `GET /health` on that port. When the program
/// bootstrapped a tracer (`InstrumentationSystem.bootstrap`), the worker traces its steps (`TracingInterceptor`).
/// SIGTERM or SIGINT stops the worker gracefully: every role stops reading, running handlers
/// finish and commit (releasing their key locks), and `run` returns (exit status 0).
public struct WorkerOptions: ParsableArguments {
    @Option(
        name: .customLong("role"),
        help: ArgumentHelp(
            "A role to run (repeatable; default: every role): service-executor:<Service>, service-tag-engine:<Service>, "
                + "workflow-executor:<Workflow>, workflow-state-engine:<Workflow>, workflow-tag-engine:<Workflow>, "
                + "event-listener:<name>.",
            valueName: "kind:name"))
    public var roles: [String] = []

    @Option(help: ArgumentHelp("A YAML (or JSON) configuration file.", valueName: "path"))
    public var config: String?

    @Option(help: "The Redis URL (default: the file's, else $REDIS_URL, else redis://127.0.0.1:6379).")
    public var redisURL: String?

    @Option(help: "The key prefix of this deployment in Redis (default: the file's, else the program's).")
    public var namespace: String?

    @Option(help: "Hash-tag partitions of the key space (fixed when a namespace is first used).")
    public var partitions: Int?

    @Option(help: "Handlers running at once per role.")
    public var concurrency: Int?

    @Option(help: "Seconds after which a message held by a silent (dead) worker goes to another.")
    public var visibilityTimeout: Double?

    @Option(
        help:
            "Seconds a workflow method's outcome stays retrievable by id after it ended (default: the file's, else 300; 0: none)."
    )
    public var resultRetention: Double?

    @Option(help: "The worker's name (default: host-pid-random).")
    public var name: String?

    @Option(help: "Serve GET /metrics (Prometheus) and GET /health on this port (default: the file's, else none).")
    public var metricsPort: UInt16?

    @Option(help: "The IPv4 address the metrics endpoint listens on (default: the file's, else 0.0.0.0).")
    public var metricsHost: String?

    @Flag(help: "Log at debug level.")
    public var verbose = false

    public init() {}

    public func validate() throws {
        for role in roles where WorkerRole(argument: role) == nil {
            throw ValidationError(
                "unknown role '\(role)'; expected kind:name with kind one of "
                    + WorkerRole.argumentKinds.joined(separator: ", "))
        }
        if let visibilityTimeout, visibilityTimeout <= 0 {
            throw ValidationError("--visibility-timeout must be positive")
        }
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        if let partitions, partitions < 1 { throw ValidationError("--partitions must be at least 1") }
        if let resultRetention, !(resultRetention >= 0 && resultRetention.isFinite) {
            throw ValidationError("--result-retention must be 0 or more seconds")
        }
    }

    /// The configuration file, if `--config` names one.
    public func configurationFile() throws -> ConfigurationFile? {
        try config.map { path throws(ConfigurationFileError) in try ConfigurationFile.load(path: path) }
    }

    /// Where the metrics endpoint listens: the command line's, else the file's; nil when neither asks for one.
    public func metricsAddress(file: ConfigurationFile?) -> (host: String, port: UInt16)? {
        guard let port = metricsPort ?? file?.metrics?.port else { return nil }
        return (metricsHost ?? file?.metrics?.host ?? "0.0.0.0", port)
    }

    /// The worker configuration: `base` (what the program registers), then the file, then the command line.
    public func configuration(
        _ base: WorkerConfiguration, defaultNamespace: String = "infinitic",
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> WorkerConfiguration {
        try configuration(
            base, file: try configurationFile(), defaultNamespace: defaultNamespace, environment: environment)
    }

    private func configuration(
        _ base: WorkerConfiguration, file: ConfigurationFile?, defaultNamespace: String,
        environment: [String: String]
    ) throws -> WorkerConfiguration {
        var configuration = base
        try file?.apply(to: &configuration)
        let redis = file?.transport.redis
        let url =
            redisURL ?? redis?.url ?? environment["REDIS_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "redis://127.0.0.1:6379"
        var transport = try RedisStreamsConfiguration(
            url: url, namespace: namespace ?? redis?.namespace ?? defaultNamespace,
            partitions: partitions ?? redis?.partitions ?? 1)
        if let poolSize = redis?.poolSize { transport.redis.poolSize = max(1, poolSize) }
        configuration.transport = .redis(transport)
        if !roles.isEmpty { configuration.roles = roles.compactMap(WorkerRole.init(argument:)) }
        if let name { configuration.name = name }
        if let resultRetention { configuration.resultRetention = .seconds(resultRetention) }
        func override(_ settings: inout ConsumerSettings) {
            if let concurrency { settings.concurrency = concurrency }
            if let visibilityTimeout { settings.visibilityTimeout = .milliseconds(Int(visibilityTimeout * 1000)) }
        }
        override(&configuration.consumerSettings)
        for role in configuration.roleSettings.keys { override(&configuration.roleSettings[role]!) }
        return configuration
    }

    /// The logger of the worker process (standard error, info or debug with `--verbose`), bootstrapping the
    /// logging system once.
    public func logger(_ label: String) -> Logger {
        let level: Logger.Level = verbose ? .debug : .info
        Self.bootstrap.withLock { done in
            guard !done else { return }
            done = true
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    private static let bootstrap = Mutex(false)

    /// `interceptors` with a `TracingInterceptor` of `tracer` first, unless `tracer` is the no-op one (none was
    /// bootstrapped) or the chain already traces.
    public static func withTracing(_ interceptors: Interceptors, tracer: any Tracer) -> Interceptors {
        guard !(tracer is NoOpTracer), !interceptors.chain.contains(where: { $0 is TracingInterceptor }) else {
            return interceptors
        }
        var interceptors = interceptors
        interceptors.chain.insert(TracingInterceptor(tracer: tracer), at: 0)
        return interceptors
    }

    /// Runs a worker with what the program registers, configured by the file and the command line, until
    /// SIGTERM or SIGINT (then it drains and returns), with its metrics endpoint when one is asked for.
    public func run(
        services: [ServiceDefinition] = [], workflows: [WorkflowDefinition] = [],
        eventListener: (any InfiniticEventListener)? = nil, defaultNamespace: String = "infinitic",
        configure: (inout WorkerConfiguration) throws -> Void = { _ in }
    ) async throws {
        var base = WorkerConfiguration(
            transport: .redis(url: "redis://127.0.0.1:6379"), services: services, workflows: workflows,
            eventListener: eventListener)
        try configure(&base)
        let file = try configurationFile()
        var configuration = try self.configuration(
            base, file: file, defaultNamespace: defaultNamespace, environment: ProcessInfo.processInfo.environment)
        let logger = logger("infinitic.worker")
        let address = metricsAddress(file: file)
        configuration.interceptors = Self.withTracing(configuration.interceptors, tracer: InstrumentationSystem.tracer)
        let metrics = address.map { _ in WorkerMetrics() }
        if let metrics {
            // Outermost, so a step's duration includes the other interceptors.
            configuration.interceptors.chain.insert(metrics.interceptor, at: 0)
        }
        let worker = try InfiniticWorker(configuration: configuration, logger: logger)
        logger.info("allocator: \(Jemalloc.description)")
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: worker)]
        if let metrics, let address {
            let endpoint = try metrics.endpoint(host: address.host, port: address.port, worker: worker)
            services.append(.init(service: endpoint))
            logger.info("serving metrics", metadata: ["address": "\(address.host):\(address.port)"])
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
