import Infinitic
import Prometheus

/// A worker's metrics in a Prometheus registry of their own: the interceptor that records them (put it in
/// `WorkerConfiguration.interceptors`) and the endpoint that serves them. Nothing global is bootstrapped, so
/// several workers of one process (tests) each have theirs.
public struct WorkerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let interceptor: MetricsInterceptor

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.interceptor = MetricsInterceptor(factory: PrometheusMetricsFactory(registry: registry))
    }

    /// The endpoint serving these metrics on `host`:`port`, healthy while `isHealthy()`.
    public func endpoint(
        host: String = "0.0.0.0", port: UInt16, isHealthy: @escaping @Sendable () -> Bool
    ) throws -> MetricsEndpoint {
        try MetricsEndpoint(host: host, port: port, registry: registry, isHealthy: isHealthy)
    }

    /// The endpoint serving these metrics and `worker`'s backlog gauges (read before each scrape) on
    /// `host`:`port`, healthy while the worker runs.
    public func endpoint(host: String = "0.0.0.0", port: UInt16, worker: InfiniticWorker) throws -> MetricsEndpoint {
        let backlog = BacklogGauges(worker: worker, factory: PrometheusMetricsFactory(registry: registry))
        return try MetricsEndpoint(
            host: host, port: port, registry: registry, beforeScrape: { await backlog.refresh() },
            isHealthy: { worker.isRunning })
    }
}
