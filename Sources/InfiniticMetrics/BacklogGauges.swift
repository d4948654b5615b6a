import CoreMetrics
import Infinitic

/// The backlog of each role of a worker as gauges, refreshed when asked (the metrics endpoint asks before each
/// scrape, so the transport is queried only when someone looks):
///
/// - `infinitic_stream_pending{role, topic}`: messages delivered to the role's group and not yet acknowledged;
/// - `infinitic_stream_lag{role, topic}`: messages stored and not yet delivered to the group (absent when the
///   transport cannot tell).
public struct BacklogGauges: Sendable {
    private let worker: InfiniticWorker
    private let factory: any MetricsFactory

    public init(worker: InfiniticWorker, factory: (any MetricsFactory)? = nil) {
        self.worker = worker
        self.factory = factory ?? MetricsSystem.factory
    }

    /// Reads every role's backlog from the transport and sets the gauges. A transport error leaves the last
    /// values in place.
    public func refresh() async {
        guard let backlogs = try? await worker.backlogs() else { return }
        for (subscription, backlog) in backlogs {
            let dimensions = [("role", subscription.role), ("topic", subscription.topic.name)]
            Gauge(label: MetricNames.streamPending, dimensions: dimensions, factory: factory)
                .record(backlog.pending)
            if let lag = backlog.lag {
                Gauge(label: MetricNames.streamLag, dimensions: dimensions, factory: factory).record(lag)
            }
        }
    }
}
