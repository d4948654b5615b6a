import Foundation
import Infinitic
import InfiniticRedis

/// A worker's or client's configuration file (YAML, so JSON too), shaped like Infinitic's:
///
/// ```yaml
/// name: worker-1                        # optional
/// transport:
///   redis:
///     url: ${REDIS_URL:-redis://127.0.0.1:6379}
///     namespace: trip-booking
///     partitions: 1
///     poolSize: 8
/// consumer: {concurrency: 32, batchSize: 100, visibilityTimeoutSeconds: 30, maxDeliveries: 10}
/// services:
///   - name: HotelService
///     concurrency: 8                    # tasks at once
///     timeoutSeconds: 10                # execution timeout of each attempt
///     retry: {minimumSeconds: 1, maximumSeconds: 60, backoffCoefficient: 2, randomFactor: 0.5, maximumRetries: 5}
///     tagEngine: {concurrency: 4}
/// workflows:
///   - name: BookTrip
///     executor: {concurrency: 16}
///     stateEngine: {concurrency: 16}
///     tagEngine: {concurrency: 4}
/// workflowTaskTimeoutSeconds: 60
/// replay: {inlineWorkflowTasks: true, stickyReplays: 1000, stickyReplayCommands: 100000, stickyTaskTimeoutSeconds: 10}
/// resultRetentionSeconds: 300           # a method's outcome stays retrievable by id this long (0: none)
/// cachedStates: 1000                    # instances' states each state engine keeps decoded (0: none)
/// events: {retainedEvents: 100000, source: infinitic/trip-booking}
/// eventListener: {name: audit, concurrency: 1, attempts: 5}
/// roles: [service-executor:HotelService]   # default: every role of what the program registers
/// client: {callTimeoutSeconds: 60, queryTimeoutSeconds: 30}
/// metrics: {port: 9464, host: 0.0.0.0}   # GET /metrics (Prometheus) and GET /health on this port
/// ```
///
/// `${VAR}` and `${VAR:-default}` take values from the environment. Services and workflows are registered in
/// code (`WorkerConfiguration.services`); the file tunes them. A mistake (bad YAML, unknown key, wrong type,
/// missing value) is a `ConfigurationFileError` naming the key and the line.
public struct ConfigurationFile: Sendable, Codable, Hashable {
    public var name: String?
    public var transport: TransportSection
    public var consumer: ConsumerSection?
    public var services: [ServiceSection]?
    public var workflows: [WorkflowSection]?
    public var workflowTaskTimeoutSeconds: Double?
    /// How workflow tasks are replayed: inline, sticky replay and routing.
    public var replay: ReplaySection?
    /// `WorkerConfiguration.resultRetention`, in seconds.
    public var resultRetentionSeconds: Double?
    /// `WorkerConfiguration.cachedStates`.
    public var cachedStates: Int?
    public var events: EventsSection?
    public var eventListener: EventListenerSection?
    public var roles: [String]?
    public var client: ClientSection?
    public var metrics: MetricsSection?

    public struct TransportSection: Sendable, Codable, Hashable {
        public var redis: RedisSection
    }

    public struct RedisSection: Sendable, Codable, Hashable {
        public var url: String
        public var namespace: String?
        public var partitions: Int?
        public var poolSize: Int?
    }

    public struct ConsumerSection: Sendable, Codable, Hashable {
        public var concurrency: Int?
        public var batchSize: Int?
        public var visibilityTimeoutSeconds: Double?
        public var maxDeliveries: Int?
    }

    public struct RetrySection: Sendable, Codable, Hashable {
        public var minimumSeconds: Double?
        public var maximumSeconds: Double?
        public var backoffCoefficient: Double?
        public var randomFactor: Double?
        public var maximumRetries: Int?
    }

    public struct ServiceSection: Sendable, Codable, Hashable {
        public var name: String
        public var concurrency: Int?
        public var timeoutSeconds: Double?
        public var retry: RetrySection?
        public var tagEngine: ConsumerSection?
    }

    public struct WorkflowSection: Sendable, Codable, Hashable {
        public var name: String
        public var executor: ConsumerSection?
        public var stateEngine: ConsumerSection?
        public var tagEngine: ConsumerSection?
    }

    public struct EventsSection: Sendable, Codable, Hashable {
        public var retainedEvents: Int?
        public var source: String?
    }

    public struct EventListenerSection: Sendable, Codable, Hashable {
        public var name: String?
        public var concurrency: Int?
        public var attempts: Int?
        public var retryDelaySeconds: Double?
    }

    /// Where a worker serves its metrics and health (see `InfiniticMetrics.MetricsEndpoint`).
    public struct MetricsSection: Sendable, Codable, Hashable {
        public var port: UInt16
        /// The IPv4 address to listen on (default 0.0.0.0: every interface).
        public var host: String?

        public init(port: UInt16, host: String? = nil) {
            self.port = port
            self.host = host
        }
    }

    /// `WorkerConfiguration.inlineWorkflowTasks`, `stickyReplays`, `stickyReplayCommands` and `stickyTaskTimeout`
    /// (in seconds, 0 for no sticky routing).
    public struct ReplaySection: Sendable, Codable, Hashable {
        public var inlineWorkflowTasks: Bool?
        public var stickyReplays: Int?
        public var stickyReplayCommands: Int?
        public var stickyTaskTimeoutSeconds: Double?
    }

    public struct ClientSection: Sendable, Codable, Hashable {
        public var name: String?
        public var callTimeoutSeconds: Double?
        public var queryTimeoutSeconds: Double?
    }
}
