/// `CLUSTER ...`: the commands the cluster client uses to learn the slot map.
public enum CLUSTER {
    /// `CLUSTER INFO`: the node's view of the cluster, as `name: value` pairs (`cluster_state`, ...).
    public struct INFO: RedisRequest {
        public init() {}

        public var name: String { "CLUSTER INFO" }
        public var keys: [String] { [] }

        public func encode(into command: inout RedisCommand) {
            command.append("CLUSTER")
            command.append("INFO")
        }

        public func decode(_ reply: RedisReply) throws(RedisError) -> [String: String] {
            guard let text = reply.string else { throw reply.unexpected("a bulk string", command: name) }
            var pairs: [String: String] = [:]
            for line in text.split(whereSeparator: \.isNewline) {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2 { pairs[String(parts[0])] = String(parts[1]) }
            }
            return pairs
        }
    }

    /// `CLUSTER SLOTS`: which master (and replicas) serve each range of slots; `answeredBy` names the node
    /// asked, for the ranges whose master announces no address.
    public struct SLOTS: RedisRequest {
        public typealias Response = ClusterTopology
        public let answeredBy: RedisEndpoint

        public init(answeredBy: RedisEndpoint) {
            self.answeredBy = answeredBy
        }

        public var name: String { "CLUSTER SLOTS" }
        public var keys: [String] { [] }

        public func encode(into command: inout RedisCommand) {
            command.append("CLUSTER")
            command.append("SLOTS")
        }

        public func decode(_ reply: RedisReply) throws(RedisError) -> ClusterTopology {
            try ClusterTopology(slotsReply: reply, answeredBy: answeredBy)
        }
    }
}

/// `ASKING`: the next command on this connection may touch a slot being imported (after an `ASK` redirection).
public struct ASKING: RedisRequest {
    public typealias Response = Void

    public init() {}

    public var name: String { "ASKING" }
    public var keys: [String] { [] }

    public func encode(into command: inout RedisCommand) {
        command.append("ASKING")
    }

    public func decode(_ reply: RedisReply) throws(RedisError) {}
}
