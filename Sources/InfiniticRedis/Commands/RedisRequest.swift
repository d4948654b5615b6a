/// A Redis command as a value: its arguments, the keys it touches and the type its reply decodes to.
///
/// Send one with `RedisClient.send(_:)`, several in one round trip with a `RedisPipeline`. The catalog of
/// the commands Infinitic uses lives in this folder; each encodes itself into a binary-safe `RedisCommand`.
public protocol RedisRequest: Sendable {
    /// What the reply decodes to.
    associatedtype Response: Sendable

    /// The command's name for errors and logs, never its arguments (`XGROUP CREATE`, `EVALSHA commit`).
    var name: String { get }

    /// The keys the command reads or writes: what Redis Cluster routes it by.
    var keys: [String] { get }

    /// Appends the command's name and arguments to `command` (an empty argument list).
    func encode(into command: inout RedisCommand)

    /// Decodes a reply that is not an error reply. Every byte from Redis is untrusted: a reply of another
    /// shape throws `.unexpectedReply`, it never traps.
    func decode(_ reply: RedisReply) throws(RedisError) -> Response
}

extension RedisRequest {
    /// The command's argv.
    var command: RedisCommand {
        var command = RedisCommand.argumentList()
        encode(into: &command)
        return command
    }

    /// The response carried by `reply`: an error reply is thrown as `.server`, a reply of another shape as
    /// `.unexpectedReply`, both naming this command.
    func response(to reply: RedisReply) throws(RedisError) -> Response {
        if case .error(let message) = reply { throw RedisError(.server, message, command: name) }
        do {
            return try decode(reply)
        } catch {
            var named = error
            named.command = named.command ?? name
            throw named
        }
    }
}
