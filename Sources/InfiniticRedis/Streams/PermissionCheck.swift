import InfiniticTransport

/// Checks at start that the Redis user may run every command a worker or a client runs, the ones the scripts
/// call included (`TIME`, `XAUTOCLAIM`...): an ACL missing one would let the process start, then fail every
/// read or commit. Each command runs once, harmlessly, on probe keys of the namespace (removed afterwards),
/// in one round trip; the ones refused with `NOPERM` are named in the error.
enum PermissionCheck {
    /// The commands Infinitic runs, as the ACL names them, each with a harmless invocation.
    static func probes(prefix: String) -> [PermissionProbe] {
        let stream = prefix + "stream"
        let string = prefix + "string"
        let list = prefix + "list"
        let hash = prefix + "hash"
        let set = prefix + "set"
        let sorted = prefix + "zset"
        return [
            PermissionProbe("ping", ["PING"]),
            PermissionProbe("info", ["INFO", "server"]),
            PermissionProbe("time", ["TIME"]),
            PermissionProbe("client|id", ["CLIENT", "ID"]),
            PermissionProbe("client|unblock", ["CLIENT", "UNBLOCK", "0"]),
            PermissionProbe("evalsha", ["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"]),
            PermissionProbe("script|load", ["SCRIPT", "LOAD", "return 1"]),
            PermissionProbe("xadd", ["XADD", stream, "*", "p", "probe"]),
            PermissionProbe("xgroup|create", ["XGROUP", "CREATE", stream, "g", "0", "MKSTREAM"]),
            PermissionProbe("xreadgroup", ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", stream, ">"]),
            PermissionProbe("xread", ["XREAD", "COUNT", "1", "STREAMS", stream, "0"]),
            PermissionProbe("xpending", ["XPENDING", stream, "g", "IDLE", "0", "-", "+", "1"]),
            PermissionProbe("xclaim", ["XCLAIM", stream, "g", "c", "0", "0-1", "JUSTID"]),
            PermissionProbe("xautoclaim", ["XAUTOCLAIM", stream, "g", "c", "0", "0-0", "COUNT", "1"]),
            PermissionProbe("xrange", ["XRANGE", stream, "-", "+", "COUNT", "1"]),
            PermissionProbe("xinfo|groups", ["XINFO", "GROUPS", stream]),
            PermissionProbe("xinfo|consumers", ["XINFO", "CONSUMERS", stream, "g"]),
            PermissionProbe("xack", ["XACK", stream, "g", "0-1"]),
            PermissionProbe("xdel", ["XDEL", stream, "0-1"]),
            PermissionProbe("xtrim", ["XTRIM", stream, "MINID", "0"]),
            PermissionProbe("xlen", ["XLEN", stream]),
            PermissionProbe("xgroup|delconsumer", ["XGROUP", "DELCONSUMER", stream, "g", "c"]),
            PermissionProbe("pexpire", ["PEXPIRE", stream, "60000"]),
            PermissionProbe("exists", ["EXISTS", stream]),
            PermissionProbe("set", ["SET", string, "v", "PX", "60000"]),
            PermissionProbe("get", ["GET", string]),
            PermissionProbe("rpush", ["RPUSH", list, "a"]),
            PermissionProbe("linsert", ["LINSERT", list, "BEFORE", "a", "b"]),
            PermissionProbe("lpos", ["LPOS", list, "a"]),
            PermissionProbe("lrange", ["LRANGE", list, "0", "-1"]),
            PermissionProbe("llen", ["LLEN", list]),
            PermissionProbe("lpop", ["LPOP", list]),
            PermissionProbe("hset", ["HSET", hash, "v", "1"]),
            PermissionProbe("hsetnx", ["HSETNX", hash, "d", "1"]),
            PermissionProbe("hget", ["HGET", hash, "v"]),
            PermissionProbe("hmget", ["HMGET", hash, "v", "d"]),
            PermissionProbe("hgetall", ["HGETALL", hash]),
            PermissionProbe("hlen", ["HLEN", hash]),
            PermissionProbe("hdel", ["HDEL", hash, "d"]),
            PermissionProbe("sadd", ["SADD", set, "m"]),
            PermissionProbe("smembers", ["SMEMBERS", set]),
            PermissionProbe("srem", ["SREM", set, "m"]),
            PermissionProbe("zadd", ["ZADD", sorted, "1", "m"]),
            PermissionProbe("zrange", ["ZRANGE", sorted, "-inf", "+inf", "BYSCORE", "LIMIT", "0", "1"]),
            PermissionProbe("zrem", ["ZREM", sorted, "m"]),
            PermissionProbe("del", ["DEL", stream, string, list, hash, set, sorted]),
        ]
    }

    /// Throws `TransportError.unauthorized` naming the commands the user may not run.
    static func verify(_ client: RedisClient, keyspace: RedisKeyspace) async throws {
        let probes = probes(prefix: keyspace.permissionProbePrefix)
        var pipeline = RedisPipeline()
        let slots = probes.map { pipeline.append($0) }
        let replies = try await client.send(pipeline)
        var refused: [String] = []
        for (probe, slot) in zip(probes, slots) {
            do {
                try replies[slot]
            } catch  where error.serverErrorPrefix == "NOPERM" {
                refused.append(probe.permission)
            } catch {
                // Any other answer means the command ran (or was refused for another reason than the ACL).
            }
        }
        guard !refused.isEmpty else { return }
        throw TransportError(
            .unauthorized,
            "the Redis user of \(client.configuration.redactedURL) may not run \(refused.joined(separator: ", ")) "
                + "(Infinitic runs them, some inside its scripts): allow them in its ACL (see the README, "
                + "'A least-privilege Redis user')")
    }
}

/// The least-privilege ACL of a Redis user for Infinitic (workers and clients alike).
public enum RedisACL {
    /// The ACL rules allowing exactly the commands Infinitic runs, scripts included (`+time`, `+xautoclaim`...),
    /// plus `+config|get` (the start-up check reads the eviction policy). Combine with a key pattern of the
    /// namespace: `ACL SETUSER worker on >password ~infinitic:* resetchannels` followed by these rules.
    public static let commands: [String] =
        PermissionCheck.probes(prefix: "").map { "+" + $0.permission } + ["+client|setname", "+config|get"]
}
