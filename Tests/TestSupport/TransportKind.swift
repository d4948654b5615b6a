import InfiniticRedis
import InfiniticTransport
import Testing

/// The transports the guarantee tests run on: same tests, same assertions.
public enum TransportKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case redis
    /// A 3-master Redis Cluster on loopback, the namespace split in `TestCluster.partitions` partitions.
    case redisCluster

    public func make() async throws -> any Transport {
        switch self {
        case .memory: InMemoryTransport()
        case .redis: try await TestRedis.transport()
        case .redisCluster: try await TestCluster.transport()
        }
    }

    public var testDescription: String { rawValue }
}
