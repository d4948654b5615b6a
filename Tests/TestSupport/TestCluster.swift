import Foundation
import InfiniticRedis
import InfiniticTransport
import Logging

/// The local Redis Cluster shared by the tests of a test process (3 masters, no replicas, started once on free
/// loopback ports), and transports on it isolated by a unique namespace.
public enum TestCluster {
    private actor Shared {
        var starting: Task<RedisClusterProcess, any Error>?

        func get() async throws -> RedisClusterProcess {
            if let starting { return try await starting.value }
            let task = Task { try await RedisClusterProcess.start(masters: 3) }
            starting = task
            return try await task.value
        }
    }

    private static let shared = Shared()

    /// How many partitions the cluster tests' namespaces have: more than the masters, so every master serves some.
    public static let partitions = 6

    public static func cluster() async throws -> RedisClusterProcess {
        try await shared.get()
    }

    public static func client() async throws -> RedisClient {
        try RedisClient(url: try await cluster().url)
    }

    public static func transport(
        cluster: RedisClusterProcess? = nil, namespace: String = TestRedis.uniqueNamespace(),
        partitions: Int = TestCluster.partitions
    ) async throws -> RedisStreamsTransport {
        let cluster = if let cluster { cluster } else { try await self.cluster() }
        return try await RedisStreamsTransport.connect(
            configuration: RedisStreamsConfiguration(url: cluster.url, namespace: namespace, partitions: partitions),
            logger: Logger(label: "test"))
    }
}
