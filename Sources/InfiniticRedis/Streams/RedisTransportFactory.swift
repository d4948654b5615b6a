import InfiniticTransport
import Logging

/// Opens a `RedisStreamsTransport` when a worker or a client starts, and closes it when it stops: what
/// `transport: .redis(url:)` builds.
public struct RedisTransportFactory: TransportFactory {
    /// The settings, or why the URL did not give any (thrown when connecting).
    let configuration: Result<RedisStreamsConfiguration, any Error>

    init(configuration: Result<RedisStreamsConfiguration, any Error>) {
        self.configuration = configuration
    }

    /// Reaches Redis and checks it is safe to use (`BrokerCheck`), with a clear error if not.
    public func connect(logger: Logger) async throws -> ConnectedTransport {
        let transport = try await RedisStreamsTransport.connect(configuration: configuration.get(), logger: logger)
        return ConnectedTransport(transport: transport, close: { transport.close() })
    }
}

extension TransportFactory where Self == RedisTransportFactory {
    /// Redis Streams at `url` (`redis://user:password@host:port/db`), keys prefixed by `namespace`, split in
    /// `partitions` hash tags (fixed when a namespace is first used). A malformed URL fails when connecting.
    public static func redis(
        url: String, namespace: String = "infinitic", partitions: Int = 1
    ) -> RedisTransportFactory {
        RedisTransportFactory(
            configuration: Result {
                try RedisStreamsConfiguration(url: url, namespace: namespace, partitions: partitions)
            })
    }

    /// Redis Streams with every setting of the transport.
    public static func redis(_ configuration: RedisStreamsConfiguration) -> RedisTransportFactory {
        RedisTransportFactory(configuration: .success(configuration))
    }
}
