import InfiniticRedis
import InfiniticTransport
import Testing

/// The transports the guarantee tests run on: same tests, same assertions.
public enum TransportKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case redis

    public func make() async throws -> any Transport {
        switch self {
        case .memory: InMemoryTransport()
        case .redis: try await TestRedis.transport()
        }
    }

    public var testDescription: String { rawValue }
}
