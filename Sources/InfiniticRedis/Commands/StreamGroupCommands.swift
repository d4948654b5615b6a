/// The `XGROUP` subcommands.
public enum XGROUP {
    /// `XGROUP CREATE stream group id [MKSTREAM]`: creates a consumer group that reads after `id` (`0`: from
    /// the start, `$`: only new entries), creating the stream if `makeStream`. Fails with `BUSYGROUP` if the
    /// group exists.
    public struct CREATE: RedisRequest {
        public var stream: String
        public var group: String
        public var id: String
        public var makeStream: Bool

        public init(_ stream: String, group: String, after id: String, makeStream: Bool) {
            self.stream = stream
            self.group = group
            self.id = id
            self.makeStream = makeStream
        }

        public var name: String { "XGROUP CREATE" }
        public var keys: [String] { [stream] }

        public func encode(into command: inout RedisCommand) {
            command.append("XGROUP")
            command.append("CREATE")
            command.append(stream)
            command.append(group)
            command.append(id)
            if makeStream { command.append("MKSTREAM") }
        }

        public func decode(_ reply: RedisReply) throws(RedisError) {
            try reply.decodeOK()
        }
    }

    /// `XGROUP DELCONSUMER stream group consumer`: removes a consumer from a group; the reply is how many
    /// entries it still had pending (they are no longer pending for anyone).
    public struct DELCONSUMER: RedisRequest {
        public var stream: String
        public var group: String
        public var consumer: String

        public init(_ stream: String, group: String, consumer: String) {
            self.stream = stream
            self.group = group
            self.consumer = consumer
        }

        public var name: String { "XGROUP DELCONSUMER" }
        public var keys: [String] { [stream] }

        public func encode(into command: inout RedisCommand) {
            command.append("XGROUP")
            command.append("DELCONSUMER")
            command.append(stream)
            command.append(group)
            command.append(consumer)
        }

        public func decode(_ reply: RedisReply) throws(RedisError) -> Int {
            try reply.decodeInteger()
        }
    }
}

/// `XACK stream group id...`: acknowledges entries for a group (removes them from its pending list, not
/// from the stream); the reply is how many were pending.
public struct XACK: RedisRequest {
    public var stream: String
    public var group: String
    public var ids: [String]

    public init(_ stream: String, group: String, ids: [String]) {
        self.stream = stream
        self.group = group
        self.ids = ids
    }

    public var name: String { "XACK" }
    public var keys: [String] { [stream] }

    public func encode(into command: inout RedisCommand) {
        command.append("XACK")
        command.append(stream)
        command.append(group)
        command.append(contentsOf: ids)
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> Int {
        try reply.decodeInteger()
    }
}

/// `XCLAIM stream group consumer min-idle id... [IDLE ms]`: gives pending entries idle for at least
/// `minIdle` to `consumer`, counting one more delivery each; the reply is the entries claimed. `JUSTID`
/// claims without counting a delivery and returns only ids.
public struct XCLAIM: RedisRequest {
    public var stream: String
    public var group: String
    public var consumer: String
    public var minIdle: Duration
    public var ids: [String]
    /// The idle time the claimed entries get (instead of zero).
    public var idle: Duration?

    public init(
        _ stream: String, group: String, consumer: String, minIdle: Duration, ids: [String], idle: Duration? = nil
    ) {
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self.minIdle = minIdle
        self.ids = ids
        self.idle = idle
    }

    public var name: String { "XCLAIM" }
    public var keys: [String] { [stream] }

    public func encode(into command: inout RedisCommand) {
        command.append("XCLAIM")
        command.append(stream)
        command.append(group)
        command.append(consumer)
        command.append(minIdle.redisMilliseconds)
        command.append(contentsOf: ids)
        if let idle {
            command.append("IDLE")
            command.append(idle.redisMilliseconds)
        }
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> [RedisStreamEntry] {
        try reply.decodeArray(RedisStreamEntry.init(reply:))
    }

    /// `XCLAIM ... JUSTID`: changes the owner (and idle time) of pending entries without counting a
    /// delivery; the reply is the ids claimed.
    public struct JUSTID: RedisRequest {
        public var claim: XCLAIM

        public init(_ claim: XCLAIM) {
            self.claim = claim
        }

        public var name: String { "XCLAIM JUSTID" }
        public var keys: [String] { claim.keys }

        public func encode(into command: inout RedisCommand) {
            claim.encode(into: &command)
            command.append("JUSTID")
        }

        public func decode(_ reply: RedisReply) throws(RedisError) -> [String] {
            try reply.decodeArray { id throws(RedisError) in try id.decodeString() }
        }
    }
}

/// `XPENDING stream group [IDLE ms] start end count [consumer]`: the pending entries of a group between two
/// ids (`-` and `+` for all), at most `count`, optionally only those idle for `minIdle` or of one consumer.
public struct XPENDING: RedisRequest {
    /// A pending entry: who holds it, for how long, and how many times it was delivered.
    public struct Entry: Sendable, Hashable {
        public var id: String
        public var consumer: String
        public var idleMilliseconds: Int
        public var deliveries: Int
    }

    public var stream: String
    public var group: String
    public var start: String
    public var end: String
    public var count: Int
    public var minIdle: Duration?
    public var consumer: String?

    public init(
        _ stream: String, group: String, from start: String = "-", to end: String = "+", count: Int,
        minIdle: Duration? = nil, consumer: String? = nil
    ) {
        self.stream = stream
        self.group = group
        self.start = start
        self.end = end
        self.count = count
        self.minIdle = minIdle
        self.consumer = consumer
    }

    public var name: String { "XPENDING" }
    public var keys: [String] { [stream] }

    public func encode(into command: inout RedisCommand) {
        command.append("XPENDING")
        command.append(stream)
        command.append(group)
        if let minIdle {
            command.append("IDLE")
            command.append(minIdle.redisMilliseconds)
        }
        command.append(start)
        command.append(end)
        command.append(count)
        if let consumer { command.append(consumer) }
    }

    public func decode(_ reply: RedisReply) throws(RedisError) -> [Entry] {
        try reply.decodeArray { entry throws(RedisError) in
            let parts = try entry.decodeArray(count: 4)
            return Entry(
                id: try parts[0].decodeString(), consumer: try parts[1].decodeString(),
                idleMilliseconds: try parts[2].decodeInteger(), deliveries: try parts[3].decodeInteger())
        }
    }
}

/// The `XINFO` subcommands.
public enum XINFO {
    /// `XINFO GROUPS stream`: the consumer groups of a stream (an error if the stream does not exist), each with
    /// its backlog: the entries delivered but not acknowledged (its pending entries list) and the entries not yet
    /// delivered (`lag`, Redis 7.0+, nil when Redis cannot tell).
    public struct GROUPS: RedisRequest {
        /// A consumer group of a stream.
        public struct Group: Sendable, Hashable {
            public var name: String
            public var consumers: Int
            public var pending: Int
            public var lag: Int?
        }

        public var stream: String

        public init(_ stream: String) {
            self.stream = stream
        }

        public var name: String { "XINFO GROUPS" }
        public var keys: [String] { [stream] }

        public func encode(into command: inout RedisCommand) {
            command.append("XINFO")
            command.append("GROUPS")
            command.append(stream)
        }

        public func decode(_ reply: RedisReply) throws(RedisError) -> [Group] {
            try reply.decodeArray { group throws(RedisError) in
                var name: String?
                var consumers = 0
                var pending = 0
                var lag: Int?
                for (field, value) in try group.decodePairs() {
                    switch field {
                    case "name": name = try value.decodeString()
                    case "consumers": consumers = try value.decodeInteger()
                    case "pending": pending = try value.decodeInteger()
                    case "lag": lag = try value.decodeOptional { value throws(RedisError) in try value.decodeInteger() }
                    default: break
                    }
                }
                guard let name else { throw group.unexpected("a group name") }
                return Group(name: name, consumers: consumers, pending: pending, lag: lag)
            }
        }
    }

    /// `XINFO CONSUMERS stream group`: each consumer of a group with its pending count and idle times.
    public struct CONSUMERS: RedisRequest {
        /// A consumer of a group.
        public struct Consumer: Sendable, Hashable {
            public var name: String
            public var pending: Int
            /// Since its last read or claim (Redis 7.0: `idle`; 7.2 adds `inactive`, since its last successful one).
            public var idleMilliseconds: Int
        }

        public var stream: String
        public var group: String

        public init(_ stream: String, group: String) {
            self.stream = stream
            self.group = group
        }

        public var name: String { "XINFO CONSUMERS" }
        public var keys: [String] { [stream] }

        public func encode(into command: inout RedisCommand) {
            command.append("XINFO")
            command.append("CONSUMERS")
            command.append(stream)
            command.append(group)
        }

        public func decode(_ reply: RedisReply) throws(RedisError) -> [Consumer] {
            try reply.decodeArray { consumer throws(RedisError) in
                var name: String?
                var pending = 0
                var idle = 0
                for (field, value) in try consumer.decodePairs() {
                    switch field {
                    case "name": name = try value.decodeString()
                    case "pending": pending = try value.decodeInteger()
                    case "idle": idle = try value.decodeInteger()
                    default: break
                    }
                }
                guard let name else { throw consumer.unexpected("a consumer name") }
                return Consumer(name: name, pending: pending, idleMilliseconds: idle)
            }
        }
    }

    /// `XINFO STREAM stream`: the length and counters of a stream.
    public struct STREAM: RedisRequest {
        /// What `XINFO STREAM` tells that Infinitic reads.
        public struct Info: Sendable, Hashable {
            public var length: Int
            /// The number of consumer groups.
            public var groups: Int
            public var lastGeneratedID: String
            /// Entries ever added (Redis 7.0 and newer).
            public var entriesAdded: Int?
        }

        public var stream: String

        public init(_ stream: String) {
            self.stream = stream
        }

        public var name: String { "XINFO STREAM" }
        public var keys: [String] { [stream] }

        public func encode(into command: inout RedisCommand) {
            command.append("XINFO")
            command.append("STREAM")
            command.append(stream)
        }

        public func decode(_ reply: RedisReply) throws(RedisError) -> Info {
            var length: Int?
            var groups: Int?
            var lastGeneratedID: String?
            var entriesAdded: Int?
            for (name, value) in try reply.decodePairs() {
                switch name {
                case "length": length = try value.decodeInteger()
                case "groups": groups = try value.decodeInteger()
                case "last-generated-id": lastGeneratedID = try value.decodeString()
                case "entries-added": entriesAdded = try value.decodeInteger()
                default: break
                }
            }
            guard let length, let groups, let lastGeneratedID else {
                throw reply.unexpected("length, groups and last-generated-id")
            }
            return Info(length: length, groups: groups, lastGeneratedID: lastGeneratedID, entriesAdded: entriesAdded)
        }
    }
}
