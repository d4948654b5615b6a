import BenchmarkSupport
import Foundation
import Infinitic
import InfiniticRedis
import InfiniticTracing
import Logging
import Tracing

/// The cost of the tracing seam: one-task workflows per second with `TracingInterceptor` over a no-op tracer on
/// the worker and the client (every span started, attributed, injected and extracted, then dropped), against no
/// interceptor, and against an interceptor that only calls `next` (the cost of the seam itself), in one run: three
/// workers with their clients on the same redis-server, each in its own namespace, the measured batch alternating
/// between them round by round (the order reversed every round).
enum TracingBenchmark {
    /// Implements no hook: every operation goes through the interceptor chain and nothing else.
    struct PassThrough: InfiniticInterceptor {}

    static func run(
        redis: BenchmarkRedis, workflows: Int, rounds: Int, inflight: Int, concurrency: Int,
        codec: any PayloadCodec, logger: Logger
    ) async throws {
        func setup(_ name: String, interceptors: Interceptors) async throws -> BenchmarkVariant {
            try await BenchmarkVariant.make(
                name, redis: redis, concurrency: concurrency, codec: codec, logger: logger,
                workerInterceptors: interceptors, clientInterceptors: interceptors)
        }
        let setups = [
            try await setup("off", interceptors: []),
            try await setup("traced", interceptors: [TracingInterceptor(tracer: NoOpTracer())]),
            try await setup("pass-through", interceptors: [PassThrough()]),
        ]
        print(
            "tracing overhead: \(workflows) one-task workflows per round and variant, \(inflight) in flight, "
                + "\(rounds) rounds alternating no interceptor / TracingInterceptor over a no-op tracer / a "
                + "pass-through interceptor")

        let rates = try await AlternatingVariants.measure(
            setups, workflows: workflows, rounds: rounds, inflight: inflight
        ) { round, rates in
            print(
                String(
                    format: "round %d: off %.0f workflows/s, traced %.0f (ratio %.3f), pass-through %.0f (ratio %.3f)",
                    round + 1, rates["off"]!.last!, rates["traced"]!.last!,
                    rates["traced"]!.last! / rates["off"]!.last!, rates["pass-through"]!.last!,
                    rates["pass-through"]!.last! / rates["off"]!.last!))
        }
        print(
            String(
                format: "median off %.0f, traced %.0f, pass-through %.0f workflows/s: traced / off = %.3f, "
                    + "pass-through / off = %.3f, traced / pass-through = %.3f",
                median(rates["off"]!), median(rates["traced"]!), median(rates["pass-through"]!),
                median(rates["traced"]!) / median(rates["off"]!),
                median(rates["pass-through"]!) / median(rates["off"]!),
                median(rates["traced"]!) / median(rates["pass-through"]!)))
    }
}
