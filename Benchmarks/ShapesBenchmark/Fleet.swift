// One worker with every role of the application and one client, on a namespace of their own: each phase that
// may be stopped gets a fresh fleet, so that what a stopped phase leaves behind (a backlog, a huge state)
// cannot slow the next one; its keys are deleted afterwards.
import BenchmarkSupport
import Foundation
import Infinitic
import InfiniticRedis
import Logging

struct Fleet: Sendable {
    let namespace: String
    let client: InfiniticClient
    let gate: GateService

    /// Runs `body` with a fresh fleet, then stops the fleet (client closed, gates opened, worker cancelled)
    /// and deletes its keys, whatever `body` did.
    static func with<Value: Sendable>(_ bench: Bench, _ body: (Fleet) async throws -> Value) async throws -> Value {
        let (redis, logger, settings) = (bench.redis, bench.logger, bench.settings)
        let namespace = "shapes-\(UUID().uuidString.prefix(8).lowercased())"
        let transport: any Transport
        if bench.inMemory {
            transport = InMemoryTransport()
        } else {
            let redisTransport = try await RedisStreamsTransport.connect(
                configuration: RedisStreamsConfiguration(
                    redis: redis.configuration, keyspace: try RedisKeyspace(namespace: namespace)),
                logger: logger)
            transport = redisTransport
        }
        defer { (transport as? RedisStreamsTransport)?.close() }
        let gate = GateService()
        var configuration = WorkerConfiguration(
            transport: .existing(transport), name: "shapes-worker",
            services: [
                ServiceDefinition(EchoStub.self, implementation: EchoService()),
                ServiceDefinition(GateStub.self, implementation: gate),
            ],
            workflows: [
                WorkflowDefinition(ChainStub.self) { ChainWorkflow(context: $0) },
                WorkflowDefinition(FanOutStub.self) { FanOutWorkflow(context: $0) },
                WorkflowDefinition(LongLivedStub.self) { LongLivedWorkflow(context: $0) },
            ],
            consumerSettings: settings)
        configuration.inlineWorkflowTasks = bench.inline
        configuration.stickyTaskTimeout = bench.stickyRouting ? .seconds(10) : nil
        configuration.cachedStates = bench.cachedStates
        // With executor workers, this one runs every role but the workflow executors, and they run only those.
        var executorWorkers: [InfiniticWorker] = []
        if bench.executors > 0 {
            let executorRoles = configuration.workflows.map { WorkerRole.workflowExecutor($0.name) }
            var executor = configuration
            executor.roles = executorRoles
            configuration.roles = configuration.resolvedRoles.filter { !executorRoles.contains($0) }
            for index in 0..<bench.executors {
                executor.name = "shapes-executor-\(index)"
                executorWorkers.append(try InfiniticWorker(configuration: executor, logger: logger))
            }
        }
        // A gate's task runs as long as its instance lives: no redelivery meanwhile.
        var gateSettings = settings
        gateSettings.visibilityTimeout = .seconds(24 * 3600)
        configuration.roleSettings[.serviceExecutor(GateStub.serviceName)] = gateSettings
        let worker = try InfiniticWorker(configuration: configuration, logger: logger)
        let client = try InfiniticClient(transport: transport, logger: logger)
        let fleet = Fleet(namespace: namespace, client: client, gate: gate)

        let result = await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            for executor in executorWorkers { group.addTask { try await executor.run() } }
            group.addTask { try await client.run() }
            let result: Result<Value, any Error>
            do {
                result = .success(try await body(fleet))
            } catch {
                result = .failure(error)
            }
            await client.close()
            gate.openAll()
            group.cancelAll()
            try? await group.waitForAll()
            return result
        }
        if !bench.inMemory { try await deleteKeys(namespace: namespace, redis: redis, logger: logger) }
        return try result.get()
    }

    /// Deletes the namespace's keys; on a server the benchmark owns, rewrites the AOF too (so that it does not
    /// grow from phase to phase) and waits for the rewrite to end (so that it does not weigh on the next phase).
    private static func deleteKeys(namespace: String, redis: BenchmarkRedis, logger: Logger) async throws {
        let client = RedisClient(configuration: redis.configuration, logger: logger)
        defer { client.close() }
        var cursor = "0"
        repeat {
            let page = try await client.send(SCAN(cursor: cursor, match: "\(namespace):*", count: 1000))
            cursor = page.cursor
            if !page.keys.isEmpty { _ = try await client.send(UNLINK(page.keys)) }
        } while cursor != "0"
        guard redis.isOwned, try await RedisStats.read(client).aofSize != nil else { return }
        _ = try await client.send(BGREWRITEAOF())
        while true {
            let info = try await client.send(INFO("persistence"))
            if info.contains("aof_rewrite_in_progress:0"), info.contains("aof_rewrite_scheduled:0") { return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
