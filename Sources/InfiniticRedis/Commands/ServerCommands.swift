/// `INFO section...`: sections of the server's report, as `name:value` lines under `# Section` headers.
public struct INFO: RedisRequest {
    public var sections: [String]

    public init(_ sections: String...) {
        self.sections = sections
    }

    public var name: String { "INFO" }
    public var keys: [String] { [] }

    public func encode(into command: inout RedisCommand) {
        command.append("INFO")
        command.append(contentsOf: sections)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> String {
        try reply.decodeString()
    }
}

/// The `CONFIG` subcommands.
public enum CONFIG {
    /// `CONFIG GET parameter`: the parameters matching `parameter` (a glob pattern) and their values.
    public struct GET: RedisRequest {
        public var parameter: String

        public init(_ parameter: String) {
            self.parameter = parameter
        }

        public var name: String { "CONFIG GET" }
        public var keys: [String] { [] }

        public func encode(into command: inout RedisCommand) {
            command.append("CONFIG")
            command.append("GET")
            command.append(parameter)
        }

        public func decode(_ reply: RedisReply) throws(RedisError) -> [String: String] {
            var values: [String: String] = [:]
            for (name, value) in try reply.decodePairs() { values[name] = try value.decodeString() }
            return values
        }
    }

    /// `CONFIG RESETSTAT`: resets the server's statistics (`INFO commandstats` among them).
    public struct RESETSTAT: RedisRequest {
        public init() {}

        public var name: String { "CONFIG RESETSTAT" }
        public var keys: [String] { [] }

        public func encode(into command: inout RedisCommand) {
            command.append("CONFIG")
            command.append("RESETSTAT")
        }

        public func decode(_ reply: RedisReply) throws(RedisError) {
            try reply.decodeOK()
        }
    }
}

/// `BGREWRITEAOF`: starts a rewrite of the append-only file in the background.
public struct BGREWRITEAOF: RedisRequest {
    public init() {}

    public var name: String { "BGREWRITEAOF" }
    public var keys: [String] { [] }

    public func encode(into command: inout RedisCommand) {
        command.append("BGREWRITEAOF")
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> String {
        try reply.decodeString()
    }
}

/// `WAITAOF numlocal numreplicas timeout` (Redis 7.2+): waits until the connection's previous writes are
/// fsynced to the AOF of the server (`local` 1) and of `replicas` replicas; the reply is how many of each did.
public struct WAITAOF: RedisRequest {
    public var local: Int
    public var replicas: Int
    public var timeout: Duration

    public init(local: Int = 1, replicas: Int = 0, timeout: Duration = .zero) {
        self.local = local
        self.replicas = replicas
        self.timeout = timeout
    }

    public var name: String { "WAITAOF" }
    public var keys: [String] { [] }

    public func encode(into command: inout RedisCommand) {
        command.append("WAITAOF")
        command.append(local)
        command.append(replicas)
        command.append(timeout.redisMilliseconds)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> (local: Int, replicas: Int) {
        let parts = try reply.decodeArray(count: 2)
        return (try parts[0].decodeInteger(), try parts[1].decodeInteger())
    }
}
