import Logging

/// A transport already open, used as it is: its owner closes it, after the workers and clients using it.
public struct ExistingTransport: TransportFactory {
    public let transport: any Transport

    public init(_ transport: any Transport) {
        self.transport = transport
    }

    public func connect(logger: Logger) async throws -> ConnectedTransport {
        ConnectedTransport(transport: transport, close: {})
    }
}

extension TransportFactory where Self == ExistingTransport {
    /// A transport already open (its owner closes it).
    public static func existing(_ transport: any Transport) -> ExistingTransport {
        ExistingTransport(transport)
    }

    /// An in-memory transport, shared by the workers and clients of one process.
    public static func inMemory(_ transport: InMemoryTransport) -> ExistingTransport {
        ExistingTransport(transport)
    }
}
