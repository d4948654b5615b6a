import Crypto

/// A Lua script, named by its SHA-1 so it is called with `EVALSHA` and loaded only when Redis lacks it.
public struct RedisScript: Sendable, Hashable {
    /// A short name for logs and errors.
    public let name: String
    public let source: String
    /// The SHA-1 of `source` in lowercase hex, as Redis computes it (a name, not a security measure).
    public let sha1: String

    public init(name: String, source: String) {
        self.name = name
        self.source = source
        self.sha1 = Insecure.SHA1.hash(data: Array(source.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// A call of the script on `keys` with binary-safe `arguments` (its ARGV, built from
    /// `RedisCommand.argumentList()`), its reply decoded by `decode`.
    public func call<Response>(
        keys: [String], arguments: RedisCommand = .argumentList(),
        decode: @escaping @Sendable (RedisReply) throws(RedisError) -> Response
    ) -> EVALSHA<Response> {
        EVALSHA(script: self, keys: keys, arguments: arguments, decoder: decode)
    }

    /// A call of the script whose reply comes back as is, for callers that decode it themselves.
    public func call(keys: [String], arguments: RedisCommand = .argumentList()) -> EVALSHA<RedisReply> {
        call(keys: keys, arguments: arguments) { reply throws(RedisError) in reply }
    }

}
