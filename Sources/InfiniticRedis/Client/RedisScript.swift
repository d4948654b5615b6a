/// A Lua script, named by its SHA-1 so it is called with `EVALSHA` and loaded only when Redis lacks it.
public struct RedisScript: Sendable, Hashable {
    /// A short name for logs and errors.
    public let name: String
    public let source: String
    /// The SHA-1 of `source`, as Redis computes it.
    public let sha1: String

    public init(name: String, source: String) {
        self.name = name
        self.source = source
        self.sha1 = SHA1.hexDigest(source)
    }

    /// An `EVALSHA` command with the given keys; append the script's arguments to it.
    public func invocation(keys: [String]) -> RedisCommand {
        var command = RedisCommand("EVALSHA")
        command.append(sha1)
        command.append(keys.count)
        command.append(contentsOf: keys)
        return command
    }

    /// An `EVALSHA` command with the given keys and string arguments.
    public func invocation(keys: [String], arguments: [String]) -> RedisCommand {
        var command = invocation(keys: keys)
        command.append(contentsOf: arguments)
        return command
    }
}
