import Logging

/// Opens the transport a worker or a client runs on, when it starts (not when its configuration is built).
///
/// Each transport module brings its own spelling: `.inMemory(transport)` and `.existing(transport)` here,
/// `.redis(url:)` in InfiniticRedis. The core (Infinitic) only sees this protocol.
///
/// ```swift
/// WorkerConfiguration(transport: .redis(url: "redis://127.0.0.1:6379"), ...)   // import InfiniticRedis
/// WorkerConfiguration(transport: .inMemory(transport), ...)                   // one process: tests
/// ```
public protocol TransportFactory: Sendable {
    /// Connects (for a broker: reaches it and checks it can be used, with a clear error if not).
    func connect(logger: Logger) async throws -> ConnectedTransport
}
