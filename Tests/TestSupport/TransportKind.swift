import InfiniticRedis
import InfiniticTransport
import Testing

/// The transports the guarantee tests run on: same tests, same assertions.
public enum TransportKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case redis
    /// A 3-master Redis Cluster on loopback, the namespace split in `TestCluster.partitions` partitions.
    case redisCluster

    /// A fresh transport; on Redis, with `partitions` hash-tag partitions (the in-memory transport has none).
    public func make(partitions: Int = 1) async throws -> any Transport {
        switch self {
        case .memory: InMemoryTransport()
        case .redis: try await TestRedis.transport(partitions: partitions)
        case .redisCluster: try await TestCluster.transport(partitions: max(partitions, TestCluster.partitions))
        }
    }

    public var testDescription: String { rawValue }
}
