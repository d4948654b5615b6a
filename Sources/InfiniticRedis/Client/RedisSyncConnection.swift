/// A synchronous connection for code that owns a thread (benchmarks, tools): each call writes its commands
/// and waits for their replies. Not thread-safe and not Sendable: keep it on one thread.
/// Async code should use `RedisConnection` or `RedisClient`.
public final class RedisSyncConnection {
    private let context: HiredisContext

    /// Connects and prepares the connection (authentication, database, name).
    public init(configuration: RedisConfiguration) throws {
        context = try HiredisContext(
            host: configuration.host, port: configuration.port, connectTimeout: configuration.connectTimeout,
            readTimeout: configuration.readTimeout)
        _ = try context.handshake(configuration)
    }

    /// Sends one command and decodes its reply; an error reply is thrown as a `.server` `RedisError`.
    @discardableResult
    public func send<Request: RedisRequest>(_ request: Request) throws -> Request.Response {
        try context.send(request)
    }

    /// Sends the pipeline's commands at once and reads their replies. Throws when the connection is dead.
    public func send(_ pipeline: RedisPipeline) throws -> RedisPipeline.Replies {
        for command in pipeline.commands { context.append(command) }
        return RedisPipeline.Replies(replies: try pipeline.commands.map { _ in try context.readReply() })
    }
}
