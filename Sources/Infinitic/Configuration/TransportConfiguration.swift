import InfiniticRedis
import Logging

/// Which broker a worker or a client runs on. Connecting happens when the worker starts or the client
/// connects, not when the configuration is built.
///
/// ```swift
/// .redis(url: "redis://127.0.0.1:6379", namespace: "shop")   // production
/// .inMemory(transport)                                       // one process: tests, development
/// ```
public struct TransportConfiguration: Sendable {
    enum Kind: Sendable {
        case existing(any Transport)
        case redisURL(url: String, namespace: String, partitions: Int)
        case redis(RedisStreamsConfiguration)
    }

    let kind: Kind

    /// An in-memory transport, shared by the worker and the client of one process.
    public static func inMemory(_ transport: InMemoryTransport) -> TransportConfiguration {
        TransportConfiguration(kind: .existing(transport))
    }

    /// Redis Streams at `url` (`redis://user:password@host:port/db`), keys prefixed by `namespace`, split in
    /// `partitions` hash tags (fixed when a namespace is first used).
    public static func redis(
        url: String, namespace: String = "infinitic", partitions: Int = 1
    ) -> TransportConfiguration {
        TransportConfiguration(kind: .redisURL(url: url, namespace: namespace, partitions: partitions))
    }

    /// Redis Streams with every setting of the transport.
    public static func redis(_ configuration: RedisStreamsConfiguration) -> TransportConfiguration {
        TransportConfiguration(kind: .redis(configuration))
    }

    /// A transport already connected (its owner closes it).
    public static func existing(_ transport: any Transport) -> TransportConfiguration {
        TransportConfiguration(kind: .existing(transport))
    }

    /// Connects (for Redis: reaches the server and checks it is safe to use, with a clear error if not).
    func connect(logger: Logger) async throws -> ConnectedTransport {
        switch kind {
        case .existing(let transport):
            return ConnectedTransport(transport: transport, close: {})
        case .redisURL(let url, let namespace, let partitions):
            let configuration = try RedisStreamsConfiguration(url: url, namespace: namespace, partitions: partitions)
            return try await Self.connect(configuration, logger: logger)
        case .redis(let configuration):
            return try await Self.connect(configuration, logger: logger)
        }
    }

    private static func connect(
        _ configuration: RedisStreamsConfiguration, logger: Logger
    ) async throws -> ConnectedTransport {
        let transport = try await RedisStreamsTransport.connect(configuration: configuration, logger: logger)
        return ConnectedTransport(transport: transport, close: { transport.close() })
    }
}

/// A transport with what to do when its user is done with it (close it if the user opened it).
struct ConnectedTransport: Sendable {
    let transport: any Transport
    let close: @Sendable () -> Void
}
