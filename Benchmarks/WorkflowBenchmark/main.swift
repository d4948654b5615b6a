// Workflow benchmark: one-task workflows per second and end-to-end latency (dispatch -> result, HDR
// histogram) with every role in one process on one redis-server, and the Redis commands each workflow and each
// engine step costs (INFO commandstats). Baseline in the same run: the raw hiredis messaging loop. Release:
//
//   swift run -c release WorkflowBenchmark [--messages 5000] [--rounds 3] [--inflight 500] [--no-aof] [--url ...]
//       [--codec binary|json]   the codec of the worker and the client, binary (the default codec) if not given;
//                               a micro-benchmark of both codecs runs first
//       [--only codec|e2e|interceptors|observability|tracing]   the codec micro-benchmark alone, the end-to-end
//                               run alone, the interceptor micro-benchmark alone (it runs after the codec one
//                               otherwise), the end-to-end run with metrics and the event listener on vs off, or
//                               with TracingInterceptor (no-op tracer) vs none (alternating rounds; only when asked)
import BenchmarkSupport
import Foundation
import Histogram
import Infinitic
import InfiniticRedis
import Logging

// MARK: - The measured application: a workflow calling one task

@Service protocol Echo: Sendable {
    func echo(_ value: Int) async throws -> Int
}

struct EchoService: Echo {
    func echo(_ value: Int) async throws -> Int { value }
}

@Workflow protocol OneTask: Sendable {
    func run(_ value: Int) async throws -> Int
}

struct OneTaskWorkflow: OneTask {
    let context: WorkflowContext
    func run(_ value: Int) async throws -> Int {
        try await context.service(EchoStub.self).echo(value)
    }
}

// MARK: - Measurements

let options = BenchmarkOptions(
    defaultMessages: 5_000, extra: ["inflight", "concurrency", "codec"],
    usage: "WorkflowBenchmark [--messages N] [--rounds N] [--inflight N] [--concurrency N] [--no-aof] [--url U] "
        + "[--codec binary|json] [--only codec|e2e|interceptors|observability|tracing]")
let workflows = options.messages
let inflight = Int(options.extra["inflight"] ?? "") ?? 500
let concurrency = Int(options.extra["concurrency"] ?? "") ?? 256
let (codecName, codec) = CodecBenchmark.codec(named: options.extra["codec"])
if options.only == nil || options.only == "codec" {
    try CodecBenchmark.run()
    if options.only == "codec" { exit(0) }
    print("")
}
if options.only == nil || options.only == "interceptors" {
    try await InterceptorBenchmark.run()
    if options.only == "interceptors" { exit(0) }
    print("")
}
bootstrapQuietLogging()
var logger = Logger(label: "workflow-benchmark")
logger.logLevel = .error
let redis = try await BenchmarkRedis(options)
if options.only == "tracing" {
    try await TracingBenchmark.run(
        redis: redis, workflows: workflows, rounds: options.rounds, inflight: inflight, concurrency: concurrency,
        codec: codec, logger: logger)
    redis.stop()
    exit(0)
}
if options.only == "observability" {
    try await ObservabilityBenchmark.run(
        redis: redis, workflows: workflows, rounds: options.rounds, inflight: inflight, concurrency: concurrency,
        codec: codec, logger: logger)
    redis.stop()
    exit(0)
}
print(
    "redis-server at \(redis.url) (AOF \(options.appendOnly ? "everysec" : "off")); \(workflows) one-task workflows "
        + "per round, \(inflight) in flight, handler concurrency \(concurrency), \(options.rounds) rounds, "
        + "\(codecName) codec, \(allocatorDescription)")

let namespace = "bench-\(UUID().uuidString.prefix(6))"
let transport = try await RedisStreamsTransport.connect(
    configuration: RedisStreamsConfiguration(
        redis: redis.configuration, keyspace: try RedisKeyspace(namespace: namespace)),
    logger: logger)
let worker = try InfiniticWorker(
    configuration: WorkerConfiguration(
        transport: .existing(transport), name: "bench-worker",
        services: [
            ServiceDefinition(EchoStub.self, implementation: EchoService())
        ],
        workflows: [
            WorkflowDefinition(OneTaskStub.self) { OneTaskWorkflow(context: $0) }
        ],
        consumerSettings: ConsumerSettings(concurrency: concurrency, batchSize: 200), codec: codec),
    logger: logger)
let client = try InfiniticClient(transport: transport, callTimeout: .seconds(120), codec: codec, logger: logger)
let engineStream = transport.keyspace.stream(Topics.workflowEngine("OneTask"), partition: 0)

/// Microseconds from dispatch to result of `count` workflows, `window` at a time; returns the histogram and
/// the workflows per second.
func run(_ count: Int, window: Int, from first: Int) async throws -> (Histogram<UInt64>, Double) {
    let start = ContinuousClock.now
    let stub = client.workflow(OneTaskStub.self)
    let histogram = try await runWindowed(count, window: window) { index in
        let result = try await stub.run(first + index)
        guard result == first + index else { throw InfiniticBenchmarkError.wrongResult(first + index, result) }
    }
    return (histogram, Double(count) / seconds(start.duration(to: .now)))
}

enum InfiniticBenchmarkError: Error {
    case wrongResult(Int, Int)
}

func entriesAdded(_ stream: String) async throws -> Int {
    try await transport.client.send(XINFO.STREAM(stream)).entriesAdded ?? 0
}

func milliseconds(_ microseconds: UInt64) -> String { String(format: "%.2f ms", Double(microseconds) / 1000) }

try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await worker.run() }
    group.addTask { try await client.run() }
    _ = try await run(200, window: 50, from: -1_000_000)  // warm-up

    var rates: [Double] = []
    var raw: [Double] = []
    var lowLoad: [(UInt64, UInt64)] = []
    var loaded: [(UInt64, UInt64)] = []
    for round in 0..<options.rounds {
        raw.append(
            try rawHiredisLoop(
                100_000, stream: "bench-raw-\(round)", redis: redis.configuration,
                payload: [UInt8](repeating: 120, count: 64)))

        let (quiet, _) = try await run(300, window: 1, from: round * 1_000_000)
        lowLoad.append((quiet.valueAtPercentile(50), quiet.valueAtPercentile(99)))

        let stepsBefore = try await entriesAdded(engineStream)
        try await transport.client.send(CONFIG.RESETSTAT())
        let (busy, rate) = try await run(workflows, window: inflight, from: round * 1_000_000 + 1_000)
        let calls = try await commandCalls(transport.client)
        let steps = try await entriesAdded(engineStream) - stepsBefore
        rates.append(rate)
        loaded.append((busy.valueAtPercentile(50), busy.valueAtPercentile(99)))
        let total = calls.reduce(0) { $0 + $1.1 }
        print(
            String(
                format: "round %d: %.0f workflows/s (raw hiredis %.0f msg/s); latency one at a time p50 %@ p99 %@, "
                    + "%d in flight p50 %@ p99 %@", round + 1, rate, raw.last!, milliseconds(lowLoad.last!.0),
                milliseconds(lowLoad.last!.1), inflight, milliseconds(loaded.last!.0), milliseconds(loaded.last!.1)))
        if round == 0 {
            print(
                String(
                    format:
                        "  Redis commands per workflow: %.1f (incl. those run by scripts), engine steps per workflow: "
                        + "%.1f, commands per engine step: %.1f", Double(total) / Double(workflows),
                    Double(steps) / Double(workflows), Double(total) / Double(max(steps, 1))))
            print("  per workflow: \(describeCalls(calls.prefix(12).map { $0 }, per: workflows))")
        }
    }
    group.cancelAll()

    let p50 = lowLoad.map { Double($0.0) }.sorted()[lowLoad.count / 2]
    let p99 = lowLoad.map { Double($0.1) }.sorted()[lowLoad.count / 2]
    print("")
    print(
        String(
            format: "one-task workflows/s (median):     %8.0f   (target >= 5,000, %@ codec)", median(rates), codecName))
    print(String(format: "raw hiredis messages/s (median):   %8.0f", median(raw)))
    print(String(format: "workflows/s per raw message/s:     %8.4f", median(rates) / median(raw)))
    print(
        String(
            format: "latency one at a time p50 / p99:   %.2f ms / %.2f ms   (target p50 <= 2 ms)", p50 / 1000,
            p99 / 1000))
    print(
        String(
            format: "latency %d in flight p50 / p99:  %.2f ms / %.2f ms", inflight,
            loaded.map { Double($0.0) }.sorted()[loaded.count / 2] / 1000,
            loaded.map { Double($0.1) }.sorted()[loaded.count / 2] / 1000))
}
await client.close()
transport.close()
redis.stop()
