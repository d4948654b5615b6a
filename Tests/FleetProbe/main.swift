// A fleet process for the sticky-routing crash test: a worker running some roles of the `ProbeLedger` workflow (a
// long method of sequential tasks) and its `ProbeTally` service, or a client running ledgers, on one Redis
// namespace. The test (another process) SIGKILLs the workers mid-flight and checks the client's results.
//
// usage: FleetProbe worker <redis-url> <namespace> <name> engine|executor <sticky-timeout-seconds>
//        FleetProbe client <redis-url> <namespace> <ledgers> <steps> <results-key>
// Workers count the workflow tasks their executors replay in `<namespace>:probe:whole` and `:partial` (with only
// what changed); the client appends "<index>|<total>" per ledger to <results-key>, or "error|<index>|<message>".
import Foundation
import Infinitic
import InfiniticRedis
import Logging

@Service protocol ProbeTally: Sendable {
    /// `total + step`, after a few milliseconds.
    func add(_ total: Int, _ step: Int) async throws -> Int
}

struct ProbeTallyImpl: ProbeTally {
    func add(_ total: Int, _ step: Int) async throws -> Int {
        try await Task.sleep(for: .milliseconds(2))
        return total + step
    }
}

@Workflow protocol ProbeLedger: Sendable {
    /// The sum of 0..<steps, one task per step.
    func run(_ steps: Int) async throws -> Int
}

struct ProbeLedgerImpl: ProbeLedger {
    let context: WorkflowContext

    func run(_ steps: Int) async throws -> Int {
        let tally = context.service(ProbeTallyStub.self)
        var total = 0
        for step in 0..<steps { total = try await tally.add(total, step) }
        return total
    }
}

/// Counts the workflow task replays of this process in Redis: whole, or with only what changed.
final class ReplayCounter: InfiniticInterceptor {
    let redis: RedisClient
    let namespace: String

    init(redis: RedisClient, namespace: String) {
        self.redis = redis
        self.namespace = namespace
    }

    func replayWorkflowTask(
        _ input: ReplayWorkflowTaskInput, next: (ReplayWorkflowTaskInput) async -> WorkflowTaskOutput
    ) async -> WorkflowTaskOutput {
        let kind = input.task.historyFrom == nil ? "whole" : "partial"
        _ = try? await redis.send(INCR("\(namespace):probe:\(kind)"))
        return await next(input)
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 7, let url = Optional(arguments[2]), let namespace = Optional(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: see Tests/FleetProbe/main.swift\n".utf8))
    exit(2)
}
var logger = Logger(label: "fleet-probe")
logger.logLevel = .warning
let configuration = try RedisStreamsConfiguration(url: url, namespace: namespace)
let services = [ServiceDefinition(ProbeTallyStub.self, implementation: ProbeTallyImpl())]
let workflows = [WorkflowDefinition(ProbeLedgerStub.self) { ProbeLedgerImpl(context: $0) }]

switch arguments[1] {
case "worker":
    let name = WorkflowDefinition(ProbeLedgerStub.self) { ProbeLedgerImpl(context: $0) }.name
    var worker = WorkerConfiguration(
        transport: .redis(configuration), name: arguments[4], services: services, workflows: workflows,
        consumerSettings: ConsumerSettings(visibilityTimeout: .seconds(1)))
    if arguments[5] == "executor" {
        worker.roles = [.workflowExecutor(name)]
    } else {
        worker.roles = worker.resolvedRoles.filter { $0 != .workflowExecutor(name) }
    }
    worker.stickyTaskTimeout = .seconds(Double(arguments[6]) ?? 10)
    worker.resultRetention = .zero
    worker.interceptors = [ReplayCounter(redis: try RedisClient(url: url), namespace: namespace)]
    try await InfiniticWorker(configuration: worker, logger: logger).run()
case "client":
    guard let ledgers = Int(arguments[4]), let steps = Int(arguments[5]) else { exit(2) }
    let results = arguments[6]
    let redis = try RedisClient(url: url)
    let transport = try await RedisStreamsTransport.connect(configuration: configuration)
    try await withInfiniticClient(transport: transport, callTimeout: .seconds(120), logger: logger) { client in
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<ledgers {
                group.addTask {
                    let line: String
                    do {
                        line = "\(index)|\(try await client.workflow(ProbeLedgerStub.self).run(steps))"
                    } catch {
                        line = "error|\(index)|\(error)"
                    }
                    _ = try await redis.send(RPUSH(results, [Array(line.utf8)]))
                }
            }
            try await group.waitForAll()
        }
    }
default:
    exit(2)
}
