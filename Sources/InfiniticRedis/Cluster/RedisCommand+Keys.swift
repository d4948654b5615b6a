extension RedisCommand {
    /// The key arguments of the command (byte ranges into `bytes`), for routing it on a cluster; empty for a
    /// command that names no key (`PING`, `INFO`, `SCAN`...), which any node can answer.
    ///
    /// Covers the commands this project sends; any other command is taken to have its key first.
    var keyRanges: [Range<Int>] {
        let name = self.name
        if Self.keyless.contains(name) || count < 2 { return [] }
        switch name {
        case "EVALSHA", "EVAL", "FCALL":
            guard count > 2, let keys = Int(String(decoding: bytes[range(of: 2)], as: UTF8.self)), keys > 0 else {
                return []
            }
            return (3..<min(count, 3 + keys)).map(range(of:))
        case "XREAD", "XREADGROUP":
            let ranges = (1..<count).map(range(of:))
            guard
                let streams = ranges.firstIndex(where: {
                    String(decoding: bytes[$0], as: UTF8.self).uppercased() == "STREAMS"
                })
            else { return [] }
            let rest = ranges[(streams + 1)...]
            return Array(rest.prefix(rest.count / 2))
        case "XINFO", "XGROUP", "OBJECT", "MEMORY":
            return count > 2 ? [range(of: 2)] : []
        case "DEL", "UNLINK", "EXISTS", "TOUCH", "MGET":
            return (1..<count).map(range(of:))
        default:
            return [range(of: 1)]
        }
    }

    /// The slot of the command's keys: nil when it has none.
    /// - Throws: `RedisError.crossSlot` when its keys lie in different slots (a cluster would refuse it).
    func slot() throws(RedisError) -> Int? {
        var slot: Int?
        for range in keyRanges {
            let keySlot = HashSlot.of(bytes: bytes[range])
            if let known = slot, known != keySlot {
                throw RedisError(
                    .crossSlot,
                    "the keys of \(name) lie in different cluster slots (\(known) and \(keySlot)): keys of one command "
                        + "or script must share a hash tag", command: name)
            }
            slot = keySlot
        }
        return slot
    }

    /// The byte range of argument `index` (0 is the name).
    private func range(of index: Int) -> Range<Int> {
        var offset = 0
        for length in lengths[..<index] { offset += length }
        return offset..<offset + lengths[index]
    }

    private static let keyless: Set<String> = [
        "PING", "ECHO", "INFO", "CONFIG", "CLIENT", "SCRIPT", "TIME", "SCAN", "BGREWRITEAOF", "BGSAVE", "SAVE",
        "FLUSHALL", "FLUSHDB", "DBSIZE", "ACL", "CLUSTER", "COMMAND", "HELLO", "AUTH", "SELECT", "WAIT", "WAITAOF",
        "KEYS", "READONLY", "READWRITE", "ASKING", "LASTSAVE", "MULTI", "EXEC", "DISCARD", "DEBUG", "SHUTDOWN",
        "FUNCTION",
        "SLOWLOG", "LATENCY", "MONITOR", "QUIT", "RESET", "ROLE", "REPLICAOF", "FAILOVER",
    ]
}
