import BenchmarkSupport
import Foundation
import Infinitic
import InfiniticMetrics
import InfiniticRedis
import Logging
import Synchronization

/// The cost of watching a fleet: one-task workflows per second with metrics (`MetricsInterceptor` on a
/// Prometheus registry) and the event listener (events emitted in every commit, a listener role reading them)
/// on, against both off, in one run: two workers with their clients on the same redis-server, each in its own
/// namespace, the measured batch alternating between them round by round (the order swapped every round).
enum ObservabilityBenchmark {
    /// Counts the events it receives.
    final class CountingListener: InfiniticEventListener {
        let received = Atomic<Int>(0)
        func onEvents(_ events: [CloudEvent]) async throws {
            received.add(events.count, ordering: .relaxed)
        }
    }

    static func run(
        redis: BenchmarkRedis, workflows: Int, rounds: Int, inflight: Int, concurrency: Int,
        codec: any PayloadCodec, logger: Logger
    ) async throws {
        let listener = CountingListener()
        let metrics = WorkerMetrics()
        func setup(_ name: String, metered: Bool, listened: Bool) async throws -> BenchmarkVariant {
            try await BenchmarkVariant.make(
                name, redis: redis, concurrency: concurrency, codec: codec, logger: logger,
                workerInterceptors: metered ? [metrics.interceptor] : [],
                events: listened ? EventSettings(retainedEvents: 100_000, source: "bench") : nil,
                eventListener: listened ? listener : nil)
        }
        let off = try await setup("off", metered: false, listened: false)
        let on = try await setup("on", metered: true, listened: true)
        let metricsOnly = try await setup("metrics only", metered: true, listened: false)
        let eventsOnly = try await setup("events only", metered: false, listened: true)
        let setups = [off, on, metricsOnly, eventsOnly]
        print(
            "observability overhead: \(workflows) one-task workflows per round and variant, \(inflight) in flight, "
                + "\(rounds) rounds alternating off / metrics + event listener on (and each alone)")

        let rates = try await AlternatingVariants.measure(
            setups, workflows: workflows, rounds: rounds, inflight: inflight
        ) { round, rates in
            print(
                String(
                    format: "round %d: off %.0f workflows/s, on %.0f (ratio %.3f); metrics only %.0f, events only %.0f",
                    round + 1, rates["off"]!.last!, rates["on"]!.last!, rates["on"]!.last! / rates["off"]!.last!,
                    rates["metrics only"]!.last!, rates["events only"]!.last!))
        }
        let ratio = median(rates["on"]!) / median(rates["off"]!)
        let handled = metrics.registry.emitToString().split(separator: "\n")
            .filter { $0.hasPrefix("infinitic_messages_handled_total{") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
        print(
            String(
                format: "median off %.0f, on %.0f workflows/s: on / off = %.3f (aim >= 0.9); metrics only / off "
                    + "= %.3f, events only / off = %.3f; %.0f messages counted by metrics, %d events listened to",
                median(rates["off"]!), median(rates["on"]!), ratio,
                median(rates["metrics only"]!) / median(rates["off"]!),
                median(rates["events only"]!) / median(rates["off"]!), handled,
                listener.received.load(ordering: .relaxed)))
    }
}
