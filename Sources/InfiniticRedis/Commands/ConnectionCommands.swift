/// `PING`: the reply is `PONG`.
public struct PING: RedisRequest {
    public init() {}

    public var name: String { "PING" }
    public var keys: [String] { [] }

    public func encode(into command: inout RedisCommand) {
        command.append("PING")
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> String {
        try reply.decodeString()
    }
}

/// `AUTH [username] password`: authenticates the connection (an ACL user, or the default user).
public struct AUTH: RedisRequest {
    public var username: String?
    public var password: String

    public init(username: String?, password: String) {
        self.username = username
        self.password = password
    }

    public var name: String { "AUTH" }
    public var keys: [String] { [] }

    public func encode(into command: inout RedisCommand) {
        command.append("AUTH")
        if let username { command.append(username) }
        command.append(password)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) {
        try reply.decodeOK()
    }
}

/// `SELECT index`: switches the connection to a numbered database.
public struct SELECT: RedisRequest {
    public var database: Int

    public init(_ database: Int) {
        self.database = database
    }

    public var name: String { "SELECT" }
    public var keys: [String] { [] }

    public func encode(into command: inout RedisCommand) {
        command.append("SELECT")
        command.append(database)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) {
        try reply.decodeOK()
    }
}

/// The `CLIENT` subcommands.
public enum CLIENT {
    /// `CLIENT ID`: the connection's server-side id.
    public struct ID: RedisRequest {
        public init() {}

        public var name: String { "CLIENT ID" }
        public var keys: [String] { [] }

        public func encode(into command: inout RedisCommand) {
            command.append("CLIENT")
            command.append("ID")
        }

        public func decode(_ reply: RedisReply) throws(RedisError) -> Int {
            try reply.decodeInteger()
        }
    }

    /// `CLIENT SETNAME name`: names the connection (in `CLIENT LIST`); spaces are not allowed.
    public struct SETNAME: RedisRequest {
        public var connectionName: String

        public init(_ connectionName: String) {
            self.connectionName = connectionName
        }

        public var name: String { "CLIENT SETNAME" }
        public var keys: [String] { [] }

        public func encode(into command: inout RedisCommand) {
            command.append("CLIENT")
            command.append("SETNAME")
            command.append(connectionName)
        }

        public func decode(_ reply: RedisReply) throws(RedisError) {
            try reply.decodeOK()
        }
    }

    /// `CLIENT UNBLOCK id [ERROR]`: ends the blocking command of another connection, with an `UNBLOCKED`
    /// error reply if `error` (else as if it timed out). The reply tells whether a client was unblocked.
    public struct UNBLOCK: RedisRequest {
        public var clientID: Int
        public var error: Bool

        public init(clientID: Int, error: Bool) {
            self.clientID = clientID
            self.error = error
        }

        public var name: String { "CLIENT UNBLOCK" }
        public var keys: [String] { [] }

        public func encode(into command: inout RedisCommand) {
            command.append("CLIENT")
            command.append("UNBLOCK")
            command.append(clientID)
            if error { command.append("ERROR") }
        }

        public func decode(_ reply: RedisReply) throws(RedisError) -> Bool {
            try reply.decodeBoolean()
        }
    }

    /// `CLIENT KILL ID id`: closes another connection; the reply is the number of connections closed.
    public struct KILL: RedisRequest {
        public var clientID: Int

        public init(clientID: Int) {
            self.clientID = clientID
        }

        public var name: String { "CLIENT KILL" }
        public var keys: [String] { [] }

        public func encode(into command: inout RedisCommand) {
            command.append("CLIENT")
            command.append("KILL")
            command.append("ID")
            command.append(clientID)
        }

        public func decode(_ reply: RedisReply) throws(RedisError) -> Int {
            try reply.decodeInteger()
        }
    }

    /// `CLIENT INFO`: this connection, as one line of `CLIENT LIST`.
    public struct INFO: RedisRequest {
        public init() {}

        public var name: String { "CLIENT INFO" }
        public var keys: [String] { [] }

        public func encode(into command: inout RedisCommand) {
            command.append("CLIENT")
            command.append("INFO")
        }

        public func decode(_ reply: RedisReply) throws(RedisError) -> String {
            try reply.decodeString()
        }
    }

    /// `CLIENT LIST`: every connection, one line each (`id=... addr=... name=...`).
    public struct LIST: RedisRequest {
        public init() {}

        public var name: String { "CLIENT LIST" }
        public var keys: [String] { [] }

        public func encode(into command: inout RedisCommand) {
            command.append("CLIENT")
            command.append("LIST")
        }

        public func decode(_ reply: RedisReply) throws(RedisError) -> String {
            try reply.decodeString()
        }
    }
}
