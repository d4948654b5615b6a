/// A transport opened by a `TransportFactory`, with what its user calls once done with it (closes it if the
/// factory opened it, nothing if its owner will).
public struct ConnectedTransport: Sendable {
    public let transport: any Transport
    public let close: @Sendable () -> Void

    public init(transport: any Transport, close: @escaping @Sendable () -> Void) {
        self.transport = transport
        self.close = close
    }
}
