/// Which master serves each of the 16384 slots of a Redis Cluster, as `CLUSTER SLOTS` reports it.
public struct ClusterTopology: Sendable, Hashable {
    /// The masters, in the order `CLUSTER SLOTS` first names them.
    public private(set) var masters: [RedisEndpoint]
    /// For each slot, the index of its master in `masters`, or -1 when no node serves it.
    private var owners: [Int16]

    /// An empty map: no slot is served.
    public init() {
        masters = []
        owners = Array(repeating: -1, count: HashSlot.count)
    }

    /// Parses a `CLUSTER SLOTS` reply. `answeredBy` stands in for a node that announces no address (`""` or `?`).
    public init(slotsReply reply: RedisReply, answeredBy: RedisEndpoint) throws(RedisError) {
        self.init()
        guard let ranges = reply.array else {
            throw reply.unexpected("an array of slot ranges", command: "CLUSTER SLOTS")
        }
        for range in ranges {
            guard let parts = range.array, parts.count >= 3, let start = parts[0].int, let end = parts[1].int,
                let node = parts[2].array, node.count >= 2, let port = node[1].int,
                (0..<HashSlot.count).contains(start), (start..<HashSlot.count).contains(end)
            else { throw range.unexpected("[start, end, [host, port, ...], ...]", command: "CLUSTER SLOTS") }
            var host = node[0].string ?? ""
            if host.isEmpty || host == "?" { host = answeredBy.host }
            assign(start...end, to: RedisEndpoint(host: host, port: port))
        }
    }

    /// The master serving `slot`, if any.
    public func master(forSlot slot: Int) -> RedisEndpoint? {
        let index = Int(owners[slot])
        return index < 0 ? nil : masters[index]
    }

    /// Whether every slot has a master.
    public var coversEverySlot: Bool { !owners.contains(-1) }

    /// Records that `slots` are served by `endpoint` (what a `MOVED` redirection says).
    public mutating func assign(_ slots: ClosedRange<Int>, to endpoint: RedisEndpoint) {
        let index: Int
        if let known = masters.firstIndex(of: endpoint) {
            index = known
        } else {
            masters.append(endpoint)
            index = masters.count - 1
        }
        for slot in slots { owners[slot] = Int16(index) }
    }
}
