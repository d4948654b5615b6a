/// A synchronous connection for code that owns a thread (benchmarks, tools): commands are written when
/// `flush`/`read` need them, replies read in order. Not thread-safe and not Sendable: keep it on one thread.
/// Async code should use `RedisConnection` or `RedisClient`.
public final class RedisSyncConnection {
    private let context: HiredisContext

    public init(configuration: RedisConfiguration) throws {
        context = try HiredisContext(
            host: configuration.host, port: configuration.port, connectTimeout: configuration.connectTimeout,
            readTimeout: configuration.readTimeout)
        if let password = configuration.password {
            try context.command(RedisCommand(["AUTH"] + (configuration.username.map { [$0] } ?? []) + [password]))
                .orThrow(command: "AUTH")
        }
        if configuration.database != 0 {
            try context.command(RedisCommand(["SELECT", String(configuration.database)])).orThrow(command: "SELECT")
        }
    }

    /// Queues a command; it is written with the next `readReply`.
    public func append(_ command: RedisCommand) {
        context.append(command)
    }

    /// Reads the next reply (writing queued commands first). Throws when the connection is dead.
    public func readReply() throws -> RedisReply {
        try context.readReply()
    }

    /// Sends commands as one pipeline and reads their replies.
    public func pipeline(_ commands: [RedisCommand]) throws -> [RedisReply] {
        for command in commands { context.append(command) }
        return try commands.map { _ in try context.readReply() }
    }
}
