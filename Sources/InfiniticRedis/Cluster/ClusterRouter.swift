import Logging
import Synchronization

/// Routes commands over a Redis Cluster: a pool of connections per master, the slot map learnt from
/// `CLUSTER SLOTS`, and the cluster's redirections followed (`MOVED` updates the map, `ASK` resends once with
/// `ASKING`, `TRYAGAIN` / `CLUSTERDOWN` wait and resend).
final class ClusterRouter: Sendable {
    /// The most rounds of redirections or retries a pipeline goes through before its last errors are returned.
    static let maxRounds = 40

    private struct State {
        var topology = ClusterTopology()
        var pools: [RedisEndpoint: [RedisConnection]] = [:]
        var refreshing: Task<ClusterTopology, any Error>?
        var closed = false
    }

    let configuration: RedisConfiguration
    private let seeds: [RedisEndpoint]
    private let state = Mutex(State())
    private let nextConnection = Atomic<Int>(0)
    private let logger: Logger

    init(configuration: RedisConfiguration, seeds: [RedisEndpoint], logger: Logger) {
        self.configuration = configuration
        self.seeds = seeds
        self.logger = logger
    }

    /// A pooled connection to `endpoint` (the pool is opened on first use, round-robin after).
    func connection(to endpoint: RedisEndpoint) -> RedisConnection {
        let index = nextConnection.wrappingAdd(1, ordering: .relaxed).oldValue
        return state.withLock { state in
            if let pool = state.pools[endpoint] { return pool[index % pool.count] }
            var node = configuration
            node.host = endpoint.host
            node.port = endpoint.port
            let pool = (0..<configuration.poolSize).map { number in
                RedisConnection(configuration: node, name: "redis-cluster-\(number)")
            }
            if state.closed { for connection in pool { connection.close() } }
            state.pools[endpoint] = pool
            return pool[index % pool.count]
        }
    }

    /// A pooled connection to the master known to serve `slot`, or nil while the slot map does not say (no
    /// waiting, no refresh: for callers that must not wait on the cooperative pool).
    func knownConnection(forSlot slot: Int) -> RedisConnection? {
        guard let endpoint = state.withLock({ $0.topology.master(forSlot: slot) }) else { return nil }
        return connection(to: endpoint)
    }

    /// The master serving `slot`, learning the slot map first if needed.
    func master(forSlot slot: Int) async throws -> RedisEndpoint {
        if let known = state.withLock({ $0.topology.master(forSlot: slot) }) { return known }
        if let found = try await refresh().master(forSlot: slot) { return found }
        throw RedisError(.clusterUnavailable, "no master serves slot \(slot) (the cluster is not fully configured)")
    }

    /// Some master, for commands that name no key.
    func anyMaster() async throws -> RedisEndpoint {
        if let first = state.withLock({ $0.topology.masters.first }) { return first }
        guard let first = try await refresh().masters.first else {
            throw RedisError(.clusterUnavailable, "the cluster reports no master")
        }
        return first
    }

    /// Every master serving slots now.
    func masters() async throws -> [RedisEndpoint] {
        let topology = try await refresh()
        return topology.masters.filter { master in
            (0..<HashSlot.count).contains { topology.master(forSlot: $0) == master }
        }
    }

    /// Records a `MOVED` redirection and refreshes the whole map in the background (one slot moving usually
    /// means more did).
    func moved(slot: Int, to endpoint: RedisEndpoint) {
        state.withLock { $0.topology.assign(slot...slot, to: endpoint) }
        Task { _ = try? await self.refresh() }
    }

    /// Asks the known masters, then the seeds, for `CLUSTER SLOTS`; concurrent callers share one request.
    @discardableResult
    func refresh() async throws -> ClusterTopology {
        let task: Task<ClusterTopology, any Error> = state.withLock { state in
            if let running = state.refreshing { return running }
            let candidates = state.topology.masters + seeds.filter { !state.topology.masters.contains($0) }
            let running = Task { try await self.fetchTopology(from: candidates) }
            state.refreshing = running
            return running
        }
        do {
            let topology = try await task.value
            state.withLock { state in
                state.topology = topology
                if state.refreshing == task { state.refreshing = nil }
            }
            return topology
        } catch {
            state.withLock { state in
                if state.refreshing == task { state.refreshing = nil }
            }
            throw error
        }
    }

    private func fetchTopology(from candidates: [RedisEndpoint]) async throws -> ClusterTopology {
        var failures: [String] = []
        for endpoint in candidates {
            do {
                let topology = try await connection(to: endpoint).send(CLUSTER.SLOTS(answeredBy: endpoint))
                if topology.masters.isEmpty {
                    failures.append("\(endpoint): no slot is assigned")
                    continue
                }
                logger.debug(
                    "cluster slot map",
                    metadata: ["masters": "\(topology.masters.map(\.description).joined(separator: ","))"])
                return topology
            } catch let error as RedisError {
                failures.append("\(endpoint): \(error.message)")
            }
        }
        throw RedisError(
            .clusterUnavailable, "no cluster node gave its slot map (\(failures.joined(separator: "; ")))",
            command: "CLUSTER SLOTS")
    }

    /// Sends `commands` each to the master of its slot (keyless ones to any master), following redirections;
    /// replies come back in order. `send` writes a group of commands on one connection (loading scripts on
    /// `NOSCRIPT`). A node that cannot be reached (nothing sent) is retried after a refresh, with backoff.
    func pipeline(
        _ commands: [RedisCommand],
        send: @escaping @Sendable (RedisConnection, [RedisCommand]) async throws -> [RedisReply]
    ) async throws -> [RedisReply] {
        let slots = try commands.map { command throws(RedisError) in try command.slot() }
        var replies = [RedisReply](repeating: .null, count: commands.count)
        var pending = Array(commands.indices)
        var asked: [Int: RedisEndpoint] = [:]
        var round = 0
        while !pending.isEmpty {
            var groups: [RedisEndpoint: [Int]] = [:]
            for index in pending {
                let endpoint: RedisEndpoint
                if let target = asked[index] {
                    endpoint = target
                } else if let slot = slots[index] {
                    endpoint = try await master(forSlot: slot)
                } else {
                    endpoint = try await anyMaster()
                }
                groups[endpoint, default: []].append(index)
            }
            let sentWithAsking = asked
            let results = await withTaskGroup(of: GroupResult.self) { group in
                for (endpoint, indices) in groups {
                    let connection = connection(to: endpoint)
                    var batch: [RedisCommand] = []
                    for index in indices {
                        if sentWithAsking[index] != nil { batch.append(ASKING().command) }
                        batch.append(commands[index])
                    }
                    let commandsOfGroup = batch
                    group.addTask {
                        do {
                            let replies = try await send(connection, commandsOfGroup)
                            return GroupResult(endpoint: endpoint, indices: indices, replies: replies, error: nil)
                        } catch {
                            return GroupResult(endpoint: endpoint, indices: indices, replies: [], error: error)
                        }
                    }
                }
                var all: [GroupResult] = []
                for await result in group { all.append(result) }
                return all
            }
            pending = []
            var waitBeforeRetry = false
            var lastFailure: (any Error)?
            for result in results {
                if let error = result.error {
                    // Nothing was sent to an unreachable node: ask where its slots went, and resend later.
                    // A connection lost mid-flight may have applied the commands: the caller decides.
                    guard let redisError = error as? RedisError, redisError.code == .connectionFailed else {
                        Task { _ = try? await self.refresh() }
                        throw error
                    }
                    logger.debug(
                        "cluster node unreachable", metadata: ["node": "\(result.endpoint)", "error": "\(redisError)"])
                    lastFailure = error
                    waitBeforeRetry = true
                    pending += result.indices
                    for index in result.indices { asked[index] = nil }
                    continue
                }
                var position = 0
                for index in result.indices {
                    if sentWithAsking[index] != nil {
                        position += 1  // ASKING's +OK
                    }
                    guard position < result.replies.count else {
                        throw RedisError(.unexpectedReply, "a pipeline got fewer replies than commands")
                    }
                    let reply = result.replies[position]
                    position += 1
                    asked[index] = nil
                    switch ClusterRedirection(reply) {
                    case .moved(let slot, let target):
                        moved(slot: slot, to: target)
                        pending.append(index)
                    case .ask(_, let target):
                        asked[index] = target
                        pending.append(index)
                    case .retryLater:
                        waitBeforeRetry = true
                        pending.append(index)
                    case nil:
                        break
                    }
                    replies[index] = reply
                }
            }
            if pending.isEmpty { break }
            round += 1
            if round >= Self.maxRounds {
                if let lastFailure { throw lastFailure }
                logger.warning("cluster kept redirecting commands", metadata: ["commands": "\(pending.count)"])
                return replies  // the last redirection errors, in place
            }
            if waitBeforeRetry {
                try await Task.sleep(for: .milliseconds(min(1000, 25 << min(round, 6))))
                _ = try? await refresh()
            }
        }
        return replies
    }

    /// What one master answered to its share of a pipeline.
    private struct GroupResult: Sendable {
        let endpoint: RedisEndpoint
        let indices: [Int]
        let replies: [RedisReply]
        let error: (any Error)?
    }

    /// Closes every pooled connection.
    func close() {
        let pools = state.withLock { state in
            state.closed = true
            return state.pools.values.flatMap { $0 }
        }
        for connection in pools { connection.close() }
    }
}
