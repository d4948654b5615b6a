import InfiniticRedis
import InfiniticTransport
import Testing

/// The transports the guarantee tests run on: same tests, same assertions.
enum TransportKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case redis

    func make() async throws -> any Transport {
        switch self {
        case .memory: InMemoryTransport()
        case .redis: try await TestRedis.transport()
        }
    }

    var testDescription: String { rawValue }
}
