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

    struct Setup {
        let name: String
        let transport: RedisStreamsTransport
        let worker: InfiniticWorker
        let client: InfiniticClient
    }

    static func run(
        redis: BenchmarkRedis, workflows: Int, rounds: Int, inflight: Int, concurrency: Int,
        codec: any PayloadCodec, logger: Logger
    ) async throws {
        func setup(_ name: String, interceptors: Interceptors) async throws -> Setup {
            let transport = try await RedisStreamsTransport.connect(
                configuration: RedisStreamsConfiguration(
                    redis: redis.configuration,
                    keyspace: try RedisKeyspace(namespace: "bench-\(name)-\(UUID().uuidString.prefix(6))")),
                logger: logger)
            let worker = try InfiniticWorker(
                configuration: WorkerConfiguration(
                    transport: .existing(transport), name: "bench-\(name)",
                    services: [ServiceDefinition(EchoStub.self, implementation: EchoService())],
                    workflows: [WorkflowDefinition(OneTaskStub.self) { OneTaskWorkflow(context: $0) }],
                    consumerSettings: ConsumerSettings(concurrency: concurrency, batchSize: 200), codec: codec,
                    interceptors: interceptors),
                logger: logger)
            let client = try InfiniticClient(
                transport: transport, callTimeout: .seconds(120), codec: codec, interceptors: interceptors,
                logger: logger)
            return Setup(name: name, transport: transport, worker: worker, client: client)
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

        func measure(_ setup: Setup, count: Int, from first: Int) async throws -> Double {
            let stub = setup.client.workflow(OneTaskStub.self)
            let start = ContinuousClock.now
            _ = try await runWindowed(count, window: inflight) { index in
                let result = try await stub.run(first + index)
                guard result == first + index else { throw InfiniticBenchmarkError.wrongResult(first + index, result) }
            }
            return Double(count) / seconds(start.duration(to: .now))
        }

        try await withThrowingTaskGroup(of: Void.self) { group in
            for setup in setups {
                group.addTask { try await setup.worker.run() }
                group.addTask { try await setup.client.run() }
            }
            for setup in setups { _ = try await measure(setup, count: 200, from: -1_000_000) }  // warm-up
            var rates: [String: [Double]] = [:]
            for round in 0..<rounds {
                for setup in round % 2 == 0 ? setups : setups.reversed() {
                    let rate = try await measure(setup, count: workflows, from: round * 1_000_000)
                    rates[setup.name, default: []].append(rate)
                }
                print(
                    String(
                        format:
                            "round %d: off %.0f workflows/s, traced %.0f (ratio %.3f), pass-through %.0f (ratio %.3f)",
                        round + 1, rates["off"]!.last!, rates["traced"]!.last!,
                        rates["traced"]!.last! / rates["off"]!.last!, rates["pass-through"]!.last!,
                        rates["pass-through"]!.last! / rates["off"]!.last!))
            }
            group.cancelAll()
            print(
                String(
                    format: "median off %.0f, traced %.0f, pass-through %.0f workflows/s: traced / off = %.3f, "
                        + "pass-through / off = %.3f, traced / pass-through = %.3f",
                    median(rates["off"]!), median(rates["traced"]!), median(rates["pass-through"]!),
                    median(rates["traced"]!) / median(rates["off"]!),
                    median(rates["pass-through"]!) / median(rates["off"]!),
                    median(rates["traced"]!) / median(rates["pass-through"]!)))
        }
        for setup in setups {
            await setup.client.close()
            setup.transport.close()
        }
    }
}
