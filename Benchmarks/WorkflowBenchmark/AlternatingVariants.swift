import BenchmarkSupport
import Foundation
import Infinitic
import InfiniticRedis
import Logging

/// A worker and its client running one-task workflows on their own namespace of a shared redis-server: one
/// variant of a same-run comparison (`AlternatingVariants`).
struct BenchmarkVariant {
    let name: String
    let transport: RedisStreamsTransport
    let worker: InfiniticWorker
    let client: InfiniticClient

    static func make(
        _ name: String, redis: BenchmarkRedis, concurrency: Int, codec: any PayloadCodec, logger: Logger,
        workerInterceptors: Interceptors = [], clientInterceptors: Interceptors = [], events: EventSettings? = nil,
        eventListener: (any InfiniticEventListener)? = nil
    ) async throws -> BenchmarkVariant {
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
                interceptors: workerInterceptors, events: events, eventListener: eventListener),
            logger: logger)
        let client = try InfiniticClient(
            transport: transport, callTimeout: .seconds(120), codec: codec, interceptors: clientInterceptors,
            logger: logger)
        return BenchmarkVariant(name: name, transport: transport, worker: worker, client: client)
    }
}

/// Runs every variant's worker and client, warms each up, then measures `workflows` one-task workflows per variant
/// and round, the order reversed every other round (so that no variant always runs first), and returns each
/// variant's workflows/s by name. `afterRound` sees the rates so far; the variants are closed afterwards.
enum AlternatingVariants {
    static func measure(
        _ variants: [BenchmarkVariant], workflows: Int, rounds: Int, inflight: Int,
        afterRound: (_ round: Int, _ rates: [String: [Double]]) -> Void
    ) async throws -> [String: [Double]] {
        func rate(_ variant: BenchmarkVariant, count: Int, from first: Int) async throws -> Double {
            let stub = variant.client.workflow(OneTaskStub.self)
            let start = ContinuousClock.now
            _ = try await runWindowed(count, window: inflight) { index in
                let result = try await stub.run(first + index)
                guard result == first + index else { throw InfiniticBenchmarkError.wrongResult(first + index, result) }
            }
            return Double(count) / seconds(start.duration(to: .now))
        }
        let rates = try await withThrowingTaskGroup(of: Void.self) { group in
            for variant in variants {
                group.addTask { try await variant.worker.run() }
                group.addTask { try await variant.client.run() }
            }
            for variant in variants { _ = try await rate(variant, count: 200, from: -1_000_000) }  // warm-up
            var rates: [String: [Double]] = [:]
            for round in 0..<rounds {
                for variant in round % 2 == 0 ? variants : variants.reversed() {
                    rates[variant.name, default: []].append(
                        try await rate(variant, count: workflows, from: round * 1_000_000))
                }
                afterRound(round, rates)
            }
            group.cancelAll()
            return rates
        }
        for variant in variants {
            await variant.client.close()
            variant.transport.close()
        }
        return rates
    }
}
