/// `EVALSHA sha numkeys key... arg...`: a call of a script (made by `RedisScript.call`). When Redis answers
/// `NOSCRIPT`, a client the script was registered with (`RedisClient.register(_:)`) loads it and calls again.
public struct EVALSHA<Response: Sendable>: RedisRequest {
    public let script: RedisScript
    public let keys: [String]
    /// The script's ARGV, binary-safe.
    public var arguments: RedisCommand
    let decoder: @Sendable (RedisReply) throws(RedisError) -> Response

    init(
        script: RedisScript, keys: [String], arguments: RedisCommand,
        decoder: @escaping @Sendable (RedisReply) throws(RedisError) -> Response
    ) {
        self.script = script
        self.keys = keys
        self.arguments = arguments
        self.decoder = decoder
    }

    public var name: String { "EVALSHA \(script.name)" }

    public func encode(into command: inout RedisCommand) {
        command.append("EVALSHA")
        command.append(script.sha1)
        command.append(keys.count)
        command.append(contentsOf: keys)
        command.append(contentsOf: arguments)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> Response {
        try decoder(reply)
    }
}

/// The `SCRIPT` subcommands.
public enum SCRIPT {
    /// `SCRIPT LOAD source`: stores a script; the reply is its SHA-1.
    public struct LOAD: RedisRequest {
        public var source: String

        public init(_ source: String) {
            self.source = source
        }

        public var name: String { "SCRIPT LOAD" }
        public var keys: [String] { [] }

        public func encode(into command: inout RedisCommand) {
            command.append("SCRIPT")
            command.append("LOAD")
            command.append(source)
        }

        public func decode(_ reply: RedisReply) throws(RedisError) -> String {
            try reply.decodeString()
        }
    }

    /// `SCRIPT FLUSH`: forgets every stored script.
    public struct FLUSH: RedisRequest {
        public init() {}

        public var name: String { "SCRIPT FLUSH" }
        public var keys: [String] { [] }

        public func encode(into command: inout RedisCommand) {
            command.append("SCRIPT")
            command.append("FLUSH")
        }

        public func decode(_ reply: RedisReply) throws(RedisError) {
            try reply.decodeOK()
        }
    }
}
