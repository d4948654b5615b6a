import InfiniticRedis
import InfiniticTransport
import Testing

/// The transports the guarantee tests run on: same tests, same assertions.
public enum TransportKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case redis

    /// A fresh transport; on Redis, with `partitions` hash-tag partitions (the in-memory transport has none).
    public func make(partitions: Int = 1) async throws -> any Transport {
        switch self {
        case .memory: InMemoryTransport()
        case .redis: try await TestRedis.transport(partitions: partitions)
        }
    }

    public var testDescription: String { rawValue }
}
