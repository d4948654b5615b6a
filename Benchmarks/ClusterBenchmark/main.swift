// One-task workflows per second on one redis-server and on a local 3-master Redis Cluster, in the same run.
//
//   swift run -c release ClusterBenchmark                       # 2,000 workflows, 100 in flight, 3 rounds each
//   swift run -c release ClusterBenchmark --workflows 5000 --rounds 5 --partitions 12
//
// Both run locally with AOF everysec: one server, and 3 masters (no replicas) joined with `redis-cli --cluster
// create`. Rounds alternate (single, cluster, single, ...) so that both meet the same moments of a shared
// machine. Each round gets a fresh namespace, worker and client; Redis commands are `INFO commandstats` deltas
// summed over the masters.
import BenchmarkSupport
import Foundation
import Infinitic
import InfiniticRedis
import Logging

@Service
protocol Ping {
    func ping(_ value: Int) async throws -> Int
}

struct PingService: Ping {
    func ping(_ value: Int) async throws -> Int { value + 1 }
}

@Workflow
protocol OneTask {
    func run(_ value: Int) async throws -> Int
}

struct OneTaskWorkflow: OneTask {
    let context: WorkflowContext
    func run(_ value: Int) async throws -> Int {
        try await context.service(PingStub.self).ping(value)
    }
}

struct Options {
    var workflows = 2000
    var inflight = 100
    var rounds = 3
    var partitions = 12

    init(_ arguments: [String]) throws {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next().flatMap(Int.init), value > 0 else {
                throw BenchmarkError("\(flag) needs a positive number")
            }
            switch flag {
            case "--workflows": workflows = value
            case "--inflight": inflight = value
            case "--rounds": rounds = value
            case "--partitions": partitions = value
            default: throw BenchmarkError("unknown option \(flag)")
            }
        }
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `workflows` one-task workflows on a fresh namespace of `url`; returns workflows/s and commands/workflow.
func round(url: String, partitions: Int, options: Options, logger: Logger) async throws -> (Double, Double) {
    let namespace = "cluster-bench-\(UUID().uuidString.prefix(8).lowercased())"
    let transport = try await RedisStreamsTransport.connect(
        configuration: RedisStreamsConfiguration(url: url, namespace: namespace, partitions: partitions),
        logger: logger)
    defer { transport.close() }
    var settings = ConsumerSettings()
    settings.concurrency = 256
    let worker = try InfiniticWorker(
        configuration: WorkerConfiguration(
            transport: .existing(transport), name: "cluster-bench",
            services: [ServiceDefinition(PingStub.self, implementation: PingService())],
            workflows: [WorkflowDefinition(OneTaskStub.self) { OneTaskWorkflow(context: $0) }],
            consumerSettings: settings),
        logger: logger)
    let client = try InfiniticClient(transport: transport, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await worker.run() }
        group.addTask { try await client.run() }
        defer { group.cancelAll() }
        // Warm up: connections, consumer groups, scripts.
        _ = try await runWindowed(50, window: 25) { index in
            _ = try await client.workflow(OneTaskStub.self).run(index)
        }
        let before = try await commands(transport.client)
        let began = ContinuousClock.now
        _ = try await runWindowed(options.workflows, window: options.inflight) { index in
            let result = try await client.workflow(OneTaskStub.self).run(index)
            guard result == index + 1 else { throw BenchmarkError("workflow \(index) returned \(result)") }
        }
        let seconds = seconds(began.duration(to: .now))
        let used = try await commands(transport.client) - before
        await client.close()
        return (Double(options.workflows) / seconds, Double(used) / Double(options.workflows))
    }
}

/// Every command every master ran so far (scripts' commands included).
func commands(_ client: RedisClient) async throws -> Int {
    var total = 0
    for (_, info) in try await client.sendToEveryMaster(INFO("commandstats")) {
        total += parseCommandCalls(info).values.reduce(0, +)
    }
    return total
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

let options: Options
do {
    options = try Options(CommandLine.arguments)
} catch {
    print("usage: ClusterBenchmark [--workflows N] [--inflight N] [--rounds N] [--partitions N]: \(error)")
    exit(2)
}
var logger = Logger(label: "cluster-bench")
logger.logLevel = .error

let single = try await RedisServerProcess.start()
defer { single.stopAndRemoveData() }
let cluster = try await RedisClusterProcess.start(masters: 3)
defer { cluster.stopAndRemoveData() }
print(
    "ClusterBenchmark \(Date()), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(allocatorDescription); "
        + "\(options.workflows) one-task "
        + "workflows per round, \(options.inflight) in flight; cluster: 3 masters, \(options.partitions) partitions")

var singleRates: [Double] = []
var clusterRates: [Double] = []
var singleCommands: [Double] = []
var clusterCommands: [Double] = []
for index in 1...options.rounds {
    let (rate, perWorkflow) = try await round(url: single.url, partitions: 1, options: options, logger: logger)
    singleRates.append(rate)
    singleCommands.append(perWorkflow)
    let (clusterRate, clusterPerWorkflow) = try await round(
        url: cluster.url, partitions: options.partitions, options: options, logger: logger)
    clusterRates.append(clusterRate)
    clusterCommands.append(clusterPerWorkflow)
    print(
        String(
            format:
                "round %d: one Redis %.0f workflows/s (%.1f commands each), cluster %.0f workflows/s (%.1f), ratio %.2f",
            index, rate, perWorkflow, clusterRate, clusterPerWorkflow, clusterRate / rate))
}
print("\n| setting | workflows/s (median) | Redis commands per workflow | × one Redis |")
print("| --- | --- | --- | --- |")
print(String(format: "| one redis-server | %.0f | %.1f | 1.00 |", median(singleRates), median(singleCommands)))
print(
    String(
        format: "| 3-master cluster, %d partitions | %.0f | %.1f | %.2f |", options.partitions, median(clusterRates),
        median(clusterCommands), median(clusterRates) / median(singleRates)))
print("load average: \((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?")")
