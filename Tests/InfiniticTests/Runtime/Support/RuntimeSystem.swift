import Foundation
import Infinitic
import InfiniticRedis
import Logging
import ServiceLifecycle
import TestSupport
import Testing

/// A whole system for one test: a transport of the given kind, a worker running every role for the runtime
/// fixtures, and a running client, both with the given interceptors. `run` tears it all down afterwards (gates
/// opened, client closed, worker stopped), checking that the client received no duplicate outcome.
struct RuntimeSystem: Sendable {
    let kind: TransportKind
    let transport: any Transport
    let client: InfiniticClient
    let controls: Controls
    let interceptors: Interceptors
    /// The workers' workflow task timeout (`RuntimeFixtures.workflowTaskTimeout` unless a test needs another).
    var workflowTaskTimeout = RuntimeFixtures.workflowTaskTimeout
    /// The workers' result retention: none unless a test needs one, so that an instance's state is deleted as
    /// soon as it ends (the tests of cleanup and of unknown methods check that).
    var resultRetention = Duration.zero
    /// Whether the workers replay workflow tasks inline (`WorkerConfiguration.inlineWorkflowTasks`). By default
    /// they do, except on the cluster kind, whose workers send every workflow task through the executors'
    /// stream as split roles do: so every runtime test covers both paths.
    var inlineWorkflowTasks = true

    /// The default of `inlineWorkflowTasks` for a transport kind.
    static func inlinesWorkflowTasks(_ kind: TransportKind) -> Bool { kind != .redisCluster }

    static let logger: Logger = {
        var logger = Logger(label: "runtime-test")
        logger.logLevel = .error
        return logger
    }()

    /// A worker of this system's transport and fixtures.
    func makeWorker(
        name: String = "test-worker", roles: [WorkerRole]? = nil,
        consumerSettings: ConsumerSettings = ConsumerSettings()
    ) throws -> InfiniticWorker {
        var configuration = WorkerConfiguration(
            transport: .existing(transport), name: name, services: RuntimeFixtures.services(controls),
            workflows: RuntimeFixtures.workflows, roles: roles, consumerSettings: consumerSettings,
            workflowTaskTimeout: workflowTaskTimeout, resultRetention: resultRetention, interceptors: interceptors)
        configuration.inlineWorkflowTasks = inlineWorkflowTasks
        return try InfiniticWorker(configuration: configuration, logger: Self.logger)
    }

    /// Runs `body` while a worker of this system's transport, workflow task timeout, result retention and inline
    /// setting serves `services` and `workflows` (`configure` adjusts the rest); the worker stops afterwards.
    func withWorker<T: Sendable>(
        name: String, services: [ServiceDefinition], workflows: [WorkflowDefinition],
        configure: (inout WorkerConfiguration) -> Void = { _ in }, _ body: () async throws -> T
    ) async throws -> T {
        var configuration = WorkerConfiguration(
            transport: .existing(transport), name: name, services: services, workflows: workflows,
            workflowTaskTimeout: workflowTaskTimeout, resultRetention: resultRetention)
        configuration.inlineWorkflowTasks = inlineWorkflowTasks
        configure(&configuration)
        let worker = try InfiniticWorker(configuration: configuration, logger: Self.logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            defer { group.cancelAll() }
            let result = try await body()
            group.cancelAll()
            try await group.waitForAll()
            return result
        }
    }

    /// Writes to the transport's state store the only way it can be written: as the commit of a handled message
    /// (of a scratch topic, in the partition of `partitionKey`).
    func commit(_ writes: [StateWrite], partitionKey: String) async throws {
        try await commitWrites(writes, on: transport, partitionKey: partitionKey)
    }

    /// Runs `body` with another client of this system's transport (receiving answers meanwhile, closed after).
    func withClient<T>(
        callTimeout: Duration? = .seconds(45), _ body: (InfiniticClient) async throws -> T
    ) async throws -> T {
        try await withInfiniticClient(transport: transport, callTimeout: callTimeout, logger: Self.logger, body)
    }

    /// Runs `body` with a fresh system; with `startWorker`, a worker runs all roles meanwhile. `inlineWorkflowTasks`
    /// nil: the kind's default (see `inlineWorkflowTasks`).
    static func run<T: Sendable>(
        _ kind: TransportKind, startWorker: Bool = true, interceptors: Interceptors = [],
        workflowTaskTimeout: Duration = RuntimeFixtures.workflowTaskTimeout, resultRetention: Duration = .zero,
        inlineWorkflowTasks: Bool? = nil, _ body: (RuntimeSystem) async throws -> T
    ) async throws -> T {
        try await run(
            kind, transport: try await kind.make(), startWorker: startWorker, interceptors: interceptors,
            workflowTaskTimeout: workflowTaskTimeout, resultRetention: resultRetention,
            inlineWorkflowTasks: inlineWorkflowTasks, body)
    }

    /// Runs `body` with a fresh system on `transport` (closed afterwards if it is a Redis one).
    static func run<T: Sendable>(
        _ kind: TransportKind, transport: any Transport, startWorker: Bool = true, interceptors: Interceptors = [],
        workflowTaskTimeout: Duration = RuntimeFixtures.workflowTaskTimeout, resultRetention: Duration = .zero,
        inlineWorkflowTasks: Bool? = nil, _ body: (RuntimeSystem) async throws -> T
    ) async throws -> T {
        let controls = Controls()
        // Without a worker yet, the test dispatches work that waits for the workers it starts later.
        let client = try InfiniticClient(
            transport: transport, callTimeout: .seconds(45), interceptors: interceptors,
            unservedWorkflows: startWorker ? .default : .warn, logger: logger)
        let system = RuntimeSystem(
            kind: kind, transport: transport, client: client, controls: controls, interceptors: interceptors,
            workflowTaskTimeout: workflowTaskTimeout, resultRetention: resultRetention,
            inlineWorkflowTasks: inlineWorkflowTasks ?? inlinesWorkflowTasks(kind))
        let worker = try system.makeWorker()
        let outcome = await withTaskGroup(of: Void.self) { group -> Result<T, any Error> in
            group.addTask {
                do {
                    try await client.run()
                } catch {
                    Issue.record("the client failed: \(error)")
                }
            }
            if startWorker {
                group.addTask {
                    do {
                        try await worker.run()
                    } catch {
                        Issue.record("the worker failed: \(error)")
                    }
                }
            }
            let outcome: Result<T, any Error>
            do {
                outcome = .success(try await body(system))
            } catch {
                outcome = .failure(error)
            }
            controls.openAll()
            // Exactly-once as the client sees it: no method of any test answered twice.
            #expect(client.duplicateOutcomes == 0, "the system's client received duplicate outcomes")
            await client.close()
            group.cancelAll()
            await group.waitForAll()
            return outcome
        }
        (transport as? RedisStreamsTransport)?.close()
        return try outcome.get()
    }

    /// Whether the stored state of a workflow instance exists.
    func hasState(_ workflowName: String, id: String) async throws -> Bool {
        try await transport.read(Topics.workflowState(workflowName, workflowId: id)) != nil
    }

    /// Whether the Redis keys of a workflow's state and of a tag set exist (always false in memory).
    func redisKeysExist(_ keys: [StateKey], sets: [StateKey]) async throws -> Bool {
        guard let redis = transport as? RedisStreamsTransport else { return false }
        // One EXISTS per key: on a cluster, keys of different partitions live on different nodes.
        for name in keys.map(redis.keyspace.state) + sets.map(redis.keyspace.set) {
            if try await redis.client.send(EXISTS([name])) > 0 { return true }
        }
        return false
    }

    /// Whether a topic still holds anything (its stream on Redis, its log or groups in memory).
    func topicExists(_ topic: Topic) async throws -> Bool {
        if let redis = transport as? RedisStreamsTransport {
            for partition in 0..<redis.keyspace.partitions {
                let stream = redis.keyspace.stream(topic, partition: partition)
                if try await redis.client.send(EXISTS([stream])) > 0 { return true }
            }
            return false
        }
        if let memory = transport as? InMemoryTransport {
            let snapshot = memory.snapshot(of: topic)
            return snapshot.stored > 0 || !snapshot.groups.isEmpty
        }
        return false
    }

    /// Whether every message published to an unshared topic was acknowledged (acknowledged entries are deleted:
    /// its Redis stream is empty, its in-memory log too).
    func isDrained(_ topic: Topic) async throws -> Bool {
        if let redis = transport as? RedisStreamsTransport {
            // Every partition: a message without a routing key lands in the partition of its id.
            for partition in 0..<redis.keyspace.partitions {
                let stream = redis.keyspace.stream(topic, partition: partition)
                if try await redis.client.send(XLEN(stream)) > 0 { return false }
            }
            return true
        }
        if let memory = transport as? InMemoryTransport {
            return memory.snapshot(of: topic).stored == 0
        }
        return false
    }

    /// A key unique to this test.
    static func uniqueKey(_ prefix: String = "k") -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}
