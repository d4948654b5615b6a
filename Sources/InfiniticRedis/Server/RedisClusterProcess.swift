import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A local Redis Cluster: `masters` redis-server processes in cluster mode on free loopback ports, each with
/// `replicasPerMaster` replicas, joined with `redis-cli --cluster create`. For tests, benchmarks and trying a
/// fleet on a cluster; every node runs with AOF as `RedisServerProcess` does.
public final class RedisClusterProcess: Sendable {
    /// Every node, masters first (in the order `redis-cli` was given them; failovers may change roles).
    public let nodes: [RedisServerProcess]
    public let masterCount: Int

    /// Starts the nodes, creates the cluster and waits until every node reports `cluster_state:ok`.
    /// - Parameter nodeTimeout: `cluster-node-timeout`: how long a master may be silent before its replica
    ///   takes over.
    public static func start(
        masters: Int = 3, replicasPerMaster: Int = 0, nodeTimeout: Duration = .milliseconds(2000)
    ) async throws -> RedisClusterProcess {
        let total = masters * (1 + replicasPerMaster)
        var nodes: [RedisServerProcess] = []
        do {
            for _ in 0..<total { nodes.append(try await startNode(nodeTimeout: nodeTimeout)) }
            let cluster = RedisClusterProcess(nodes: nodes, masterCount: masters)
            try await cluster.runCLI(
                ["--cluster", "create"] + nodes.map { "127.0.0.1:\($0.port)" }
                    + ["--cluster-replicas", String(replicasPerMaster), "--cluster-yes"])
            try await cluster.waitUntilHealthy()
            return cluster
        } catch {
            for node in nodes { node.stopAndRemoveData() }
            throw error
        }
    }

    /// Starts one node in cluster mode. Its cluster bus gets a free port of its own (by default it is the port +
    /// 10000); if another process takes that port before the node binds it, the node starts again with another
    /// (three tries, as for the client port).
    private static func startNode(nodeTimeout: Duration) async throws -> RedisServerProcess {
        var attempt = 1
        while true {
            do {
                return try await RedisServerProcess.start(extraArguments: [
                    "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-port", String(try RedisServerProcess.freeLoopbackPort()),
                    "--cluster-node-timeout", String(nodeTimeout.redisMilliseconds),
                    "--cluster-require-full-coverage", "no",
                ])
            } catch let error as RedisError where attempt < 3 && error.message.contains("Address already in use") {
                attempt += 1
            }
        }
    }

    private init(nodes: [RedisServerProcess], masterCount: Int) {
        self.nodes = nodes
        self.masterCount = masterCount
    }

    /// `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,...` naming every node as a seed.
    public var url: String {
        "redis+cluster://" + nodes.map { "127.0.0.1:\($0.port)" }.joined(separator: ",")
    }

    /// Stops every node and deletes its data.
    public func stopAndRemoveData() {
        for node in nodes { node.stopAndRemoveData() }
    }

    /// Runs `redis-cli` with `arguments` and waits for it; throws with its output if it fails.
    public func runCLI(_ arguments: [String], timeout: Duration = .seconds(120)) async throws {
        let cli = try Self.cliExecutable(besides: nodes[0].executable)
        let output = NSTemporaryDirectory() + "redis-cli-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let pid = try ChildProcess.spawn(cli, arguments, output: output)
        let status = try await ChildProcess.wait(for: pid, timeout: timeout)
        guard status == 0 else {
            let log = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            throw RedisError(
                .invalidConfiguration,
                "redis-cli \(arguments.prefix(2).joined(separator: " ")) failed (status \(status)): "
                    + log.split(separator: "\n").suffix(5).joined(separator: " | "))
        }
    }

    /// Waits until every running node says `cluster_state:ok` with all 16384 slots served by a live master, and
    /// every replica is in sync with its master (so that it can take over).
    public func waitUntilHealthy(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await isHealthy() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw RedisError(.clusterUnavailable, "the local cluster did not become healthy within \(timeout)")
    }

    private func isHealthy() async -> Bool {
        for node in nodes where node.processIdentifier != nil {
            let connection = RedisConnection(
                configuration: RedisConfiguration(host: "127.0.0.1", port: node.port, connectTimeout: .seconds(1)))
            defer { connection.close() }
            guard let info = try? await connection.send(CLUSTER.INFO()),
                info["cluster_state"] == "ok", info["cluster_slots_ok"] == "16384",
                let replication = try? await connection.send(INFO("replication")),
                replication.contains("role:master") || replication.contains("master_link_status:up")
            else { return false }
        }
        return true
    }

    /// A running node and its cluster id and role.
    public struct Node: Sendable {
        public let server: RedisServerProcess
        public let id: String
        public let isMaster: Bool
    }

    /// The running nodes with their ids and current roles (a failover promotes a replica).
    public func runningNodes() async throws -> [Node] {
        var found: [Node] = []
        for server in nodes where server.processIdentifier != nil {
            let connection = RedisConnection(configuration: RedisConfiguration(host: "127.0.0.1", port: server.port))
            defer { connection.close() }
            let id = try await Self.raw(connection, ["CLUSTER", "MYID"]).string ?? ""
            let role = try await Self.raw(connection, ["ROLE"]).array?.first?.string ?? ""
            found.append(Node(server: server, id: id, isMaster: role == "master"))
        }
        return found
    }

    /// Moves `slots` slots from one master to another with `redis-cli --cluster reshard` (keys migrate while
    /// clients keep running).
    public func reshard(slots: Int, from source: Node, to target: Node) async throws {
        try await runCLI([
            "--cluster", "reshard", "127.0.0.1:\(source.server.port)", "--cluster-from", source.id, "--cluster-to",
            target.id, "--cluster-slots", String(slots), "--cluster-yes", "--cluster-pipeline", "50",
        ])
    }

    private static func raw(_ connection: RedisConnection, _ arguments: [String]) async throws -> RedisReply {
        var command = RedisCommand.argumentList()
        command.append(contentsOf: arguments)
        let reply = try await connection.pipeline([command])[0]
        if case .error(let message) = reply { throw RedisError(.server, message, command: arguments.first) }
        return reply
    }

    static func cliExecutable(besides server: String) throws -> String {
        let folder = (server as NSString).deletingLastPathComponent
        for candidate in [folder + "/redis-cli", "/usr/bin/redis-cli", "/usr/local/bin/redis-cli"]
        where access(candidate, X_OK) == 0 {
            return candidate
        }
        throw RedisError(.connectionFailed, "redis-cli not found (Debian: apt-get install -y redis-tools)")
    }
}
