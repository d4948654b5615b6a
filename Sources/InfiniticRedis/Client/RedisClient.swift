import InfiniticTransport
import Logging
import Synchronization

/// A small pool of Redis connections, the entry point of the Redis client.
///
/// Commands are spread over the pool's connections round-robin; each connection pipelines what its callers
/// send concurrently. With a cluster configuration (`redis+cluster://`), there is a pool per master and each
/// command goes to the master of its keys' slot (see `ClusterRouter`); a command or script whose keys lie in
/// different slots is refused before it is sent (`RedisError.crossSlot`). Scripts registered with `register(_:)` are called by SHA and loaded transparently when
/// Redis answers `NOSCRIPT` (after a restart or `SCRIPT FLUSH`). Blocking reads get connections of their own
/// (`makeBlockingConnection`) and are cancelled with `CLIENT UNBLOCK` from the pool.
public final class RedisClient: Sendable {
    public let configuration: RedisConfiguration
    private let connections: [RedisConnection]
    private let router: ClusterRouter?
    private let nextConnection = Atomic<Int>(0)
    private let scripts = Mutex<[String: RedisScript]>([:])
    private let logger: Logger

    public init(configuration: RedisConfiguration, logger: Logger = .disabled("infinitic.redis")) {
        self.configuration = configuration
        self.logger = logger
        if let seeds = configuration.clusterSeeds {
            router = ClusterRouter(configuration: configuration, seeds: seeds, logger: logger)
            connections = []
        } else {
            router = nil
            connections = (0..<configuration.poolSize).map { index in
                RedisConnection(configuration: configuration, name: "redis-pool-\(index)")
            }
        }
    }

    /// Parses the URL (see `RedisConfiguration(url:)`) and creates the pool.
    public convenience init(url: String, logger: Logger = .disabled("infinitic.redis")) throws {
        try self.init(configuration: RedisConfiguration(url: url), logger: logger)
    }

    deinit {
        for connection in connections { connection.close() }
        router?.close()
    }

    /// Whether this client talks to a Redis Cluster.
    public var isCluster: Bool { router != nil }

    /// Checks that the server answers (connecting the first connection now); on a cluster, learns the slot map
    /// and checks that every master answers.
    public func ping() async throws {
        guard router != nil else {
            try await send(PING())
            return
        }
        _ = try await sendToEveryMaster(PING())
    }

    /// Sends `request` to every master of the cluster (to the server, without a cluster), for commands about
    /// a node rather than a key: `INFO`, `CONFIG GET`, `SCAN`, `FLUSHALL`...
    public func sendToEveryMaster<Request: RedisRequest>(
        _ request: Request
    ) async throws -> [(endpoint: RedisEndpoint, response: Request.Response)] {
        guard let router else {
            let endpoint = RedisEndpoint(host: configuration.host, port: configuration.port)
            return [(endpoint, try await send(request))]
        }
        var responses: [(endpoint: RedisEndpoint, response: Request.Response)] = []
        for endpoint in try await router.masters() {
            let connection = router.connection(to: endpoint)
            let reply = try await send([request.command], on: connection)[0]
            responses.append((endpoint, try request.response(to: reply)))
        }
        return responses
    }

    /// The masters of the cluster serving slots now (the server, without a cluster).
    public func masters() async throws -> [RedisEndpoint] {
        guard let router else { return [RedisEndpoint(host: configuration.host, port: configuration.port)] }
        return try await router.masters()
    }

    /// Sends one command and decodes its reply; an error reply is thrown as a `.server` `RedisError`, a
    /// reply of another shape as `.unexpectedReply`.
    @discardableResult
    public func send<Request: RedisRequest>(_ request: Request) async throws -> Request.Response {
        try request.response(to: try await pipeline([request.command])[0])
    }

    /// Sends the pipeline's commands in one round trip on one connection; an error reply fails only its own
    /// command (when its response is read from the replies).
    public func send(_ pipeline: RedisPipeline) async throws -> RedisPipeline.Replies {
        RedisPipeline.Replies(replies: try await self.pipeline(pipeline.commands))
    }

    /// Sends one command without awaiting it, from any thread: `completion` runs on a connection's thread (keep
    /// it short). The command is written by a connection's own thread (on a cluster, one to the master its slot is
    /// known to map to), so neither sending it nor hearing back needs Swift's cooperative pool: code that keeps
    /// the pool busy does not delay it. A registered script answered `NOSCRIPT` is loaded and called again the same
    /// way. What needs more goes through `send` in a task (on the pool): the slot map not learnt yet, a cluster
    /// redirection.
    func sendDetached(
        _ command: RedisCommand, completion: @escaping @Sendable (Result<RedisReply, any Error>) -> Void
    ) {
        let viaTask: @Sendable () -> Void = {
            Task {
                do {
                    completion(.success(try await self.pipeline([command])[0]))
                } catch {
                    completion(.failure(error))
                }
            }
        }
        let connection: RedisConnection?
        if let router {
            connection = ((try? command.slot()) ?? nil).flatMap(router.knownConnection(forSlot:))
        } else {
            connection = pick()
        }
        guard let connection else { return viaTask() }
        connection.enqueue([command]) { result in
            switch result {
            case .success(let replies):
                if case .error(let message) = replies[0] {
                    if message.hasPrefix("NOSCRIPT"), let script = self.registeredScript(calledBy: command) {
                        // Loaded and called again on this connection, still from its thread.
                        return connection.enqueue([SCRIPT.LOAD(script.source).command, command]) { again in
                            completion(again.map { $0.last ?? .null }.mapError { $0 })
                        }
                    }
                    if ["MOVED", "ASK", "TRYAGAIN", "CLUSTERDOWN"].contains(where: message.hasPrefix) {
                        return viaTask()
                    }
                }
                completion(.success(replies[0]))
            case .failure(let error):
                completion(.failure(error))
            }
        }
    }

    /// The registered script an `EVALSHA` command calls, if it is one (to load it after `NOSCRIPT`).
    private func registeredScript(calledBy command: RedisCommand) -> RedisScript? {
        guard command.name == "EVALSHA" else { return nil }
        let arguments = command.arguments
        guard arguments.count > 1 else { return nil }
        let sha = String(decoding: arguments[1], as: UTF8.self)
        return scripts.withLock { $0[sha] }
    }

    /// Sends raw commands in one round trip on one connection (on a cluster, one per master involved); error
    /// replies come back in place.
    func pipeline(_ commands: [RedisCommand]) async throws -> [RedisReply] {
        guard let router else { return try await send(commands, on: pick()) }
        return try await router.pipeline(commands) { connection, commands in
            try await self.send(commands, on: connection)
        }
    }

    /// Sends raw commands in one round trip on `connection`. `EVALSHA` commands answered with `NOSCRIPT` are
    /// resent once after loading their (registered) script on that connection's server.
    private func send(_ commands: [RedisCommand], on connection: RedisConnection) async throws -> [RedisReply] {
        var replies = try await connection.pipeline(commands)
        let missing = replies.indices.filter { index in
            if case .error(let message) = replies[index], message.hasPrefix("NOSCRIPT") { return true }
            return false
        }
        if missing.isEmpty { return replies }

        var loads: [SCRIPT.LOAD] = []
        var loaded = Set<String>()
        for index in missing {
            guard let script = registeredScript(calledBy: commands[index]), loaded.insert(script.sha1).inserted
            else { continue }
            loads.append(SCRIPT.LOAD(script.source))
            logger.debug(
                "loading Lua script", metadata: [LogKeys.script: "\(script.name)", LogKeys.sha: "\(script.sha1)"])
        }
        guard !loads.isEmpty else { return replies }
        try await load(loads, on: connection)
        let retried = try await connection.pipeline(missing.map { commands[$0] })
        for (index, reply) in zip(missing, retried) { replies[index] = reply }
        return replies
    }

    /// Makes scripts callable by SHA through this client (loading them lazily on `NOSCRIPT`).
    public func register(_ scripts: [RedisScript]) {
        self.scripts.withLock { registry in
            for script in scripts { registry[script.sha1] = script }
        }
    }

    /// Loads registered scripts now (on every master of a cluster), so that the first call does not pay for
    /// `NOSCRIPT`.
    public func loadScripts() async throws {
        let all = scripts.withLock { Array($0.values) }
        guard let router else {
            try await load(all.map { SCRIPT.LOAD($0.source) }, on: pick())
            return
        }
        for endpoint in try await router.masters() {
            try await load(all.map { SCRIPT.LOAD($0.source) }, on: router.connection(to: endpoint))
        }
    }

    private func load(_ loads: [SCRIPT.LOAD], on connection: RedisConnection) async throws {
        let replies = try await connection.pipeline(loads.map(\.command))
        for (load, reply) in zip(loads, replies) { _ = try load.response(to: reply) }
    }

    /// A connection of its own for blocking reads. Its read timeout must exceed the longest `BLOCK` it sends.
    public func makeBlockingConnection(longestBlock: Duration, name: String = "redis-blocking") -> RedisConnection {
        var configuration = configuration
        configuration.clientName = configuration.clientName.map { "\($0)-blocking" }
        return RedisConnection(
            configuration: configuration, name: name, readTimeout: .some(longestBlock + .seconds(10)))
    }

    /// Sends a blocking command on `connection` and decodes its reply. Cancelling the calling task unblocks
    /// it at once with `CLIENT UNBLOCK` (sent from the pool) and throws `CancellationError`.
    public func blockingSend<Request: RedisRequest>(
        _ request: Request, on connection: RedisConnection
    ) async throws -> Request.Response {
        try request.response(to: try await blockingReply(request.command, on: connection, stop: nil))
    }

    /// `blockingSend(_:on:)` that also ends (with `CancellationError`) once `stop` is set and `unblock` is called,
    /// whether the command was already blocked or not yet sent.
    func blockingSend<Request: RedisRequest>(
        _ request: Request, on connection: RedisConnection, stop: CancelFlag
    ) async throws -> Request.Response {
        try request.response(to: try await blockingReply(request.command, on: connection, stop: stop))
    }

    /// On a cluster, points `connection` at the master of the command's slot before each attempt, and follows
    /// redirections (a blocking read answered `MOVED` is resent to the new master).
    private func blockingReply(
        _ command: RedisCommand, on connection: RedisConnection, stop: CancelFlag?
    ) async throws -> RedisReply {
        guard let router else { return try await blockingAttempt([command], on: connection, stop: stop) }
        let slot = try command.slot()
        var asked: RedisEndpoint?
        for round in 1...ClusterRouter.maxRounds {
            let target: RedisEndpoint
            if let asked {
                target = asked
            } else if let slot {
                target = try await router.master(forSlot: slot)
            } else {
                target = try await router.anyMaster()
            }
            connection.retarget(to: target)
            let commands = asked == nil ? [command] : [ASKING().command, command]
            asked = nil
            let reply: RedisReply
            do {
                reply = try await blockingAttempt(commands, on: connection, stop: stop)
            } catch let error as RedisError where error.code == .connectionFailed {
                try await Task.sleep(for: .milliseconds(min(1000, 25 << min(round, 6))))
                _ = try? await router.refresh()
                continue
            }
            if case .error(let message) = reply, message.hasPrefix("UNBLOCKED") {
                // The stream was migrated away (or deleted) under the blocked read: look again where it lives.
                _ = try? await router.refresh()
                continue
            }
            switch ClusterRedirection(reply) {
            case .moved(let slot, let endpoint):
                router.moved(slot: slot, to: endpoint)
            case .ask(_, let endpoint):
                asked = endpoint
            case .retryLater:
                try await Task.sleep(for: .milliseconds(min(1000, 25 << min(round, 6))))
            case nil:
                return reply
            }
        }
        throw RedisError(
            .clusterUnavailable, "the cluster kept redirecting a blocking \(command.name)", command: command.name)
    }

    /// Sends `commands` (the blocking one last) on `connection` and returns the last reply.
    private func blockingAttempt(
        _ commands: [RedisCommand], on connection: RedisConnection, stop: CancelFlag?
    ) async throws -> RedisReply {
        try Task.checkCancellation()
        if stop?.isSet == true { throw CancellationError() }
        let cancel = CancelFlag(following: stop)
        let reply: RedisReply
        do {
            reply = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    connection.enqueue(commands, cancel: cancel) { result in
                        continuation.resume(with: result.map { $0[$0.count - 1] })
                    }
                }
            } onCancel: {
                cancel.set()
                unblock(connection)
            }
        } catch let error as RedisError where error.code == .cancelled {
            throw CancellationError()
        }
        // Our own CLIENT UNBLOCK (the caller gave up). Redis also unblocks readers itself, e.g. when their stream
        // is deleted or migrated to another cluster node: that error reply goes back to the caller.
        if case .error(let message) = reply, message.hasPrefix("UNBLOCKED"), cancel.isSet { throw CancellationError() }
        return reply
    }

    /// Asks Redis to end the blocking command running on `connection`, if any (fire and forget). A command
    /// written but not yet blocked when the first `CLIENT UNBLOCK` arrives is unblocked by the next one: it is
    /// sent again while the connection still waits for replies and Redis answers that nothing was blocked.
    public func unblock(_ connection: RedisConnection) {
        unblock(connection, attempts: 200)
    }

    private func unblock(_ connection: RedisConnection, attempts: Int) {
        guard attempts > 0, let id = connection.clientID else { return }
        let sender = router?.connection(to: connection.endpoint) ?? pick()
        sender.enqueue([CLIENT.UNBLOCK(clientID: id, error: true).command]) { [self] result in
            guard case .success(let replies) = result, replies.first?.int == 0, connection.isAwaitingReplies else {
                return
            }
            unblock(connection, attempts: attempts - 1)
        }
    }

    /// Closes every pooled connection; later commands fail with `.closed`.
    public func close() {
        for connection in connections { connection.close() }
        router?.close()
    }

    private func pick() -> RedisConnection {
        let index = nextConnection.wrappingAdd(1, ordering: .relaxed).oldValue
        return connections[index % connections.count]
    }
}
