// What Redis did during a phase: the difference of two `INFO stats persistence cpu commandstats` snapshots (no
// `CONFIG RESETSTAT`, so phases can nest and nothing else is disturbed).
import InfiniticRedis

/// Cumulative counters of a Redis server, or (from `since`) their growth over a phase.
public struct RedisStats: Sendable {
    /// Calls per command, those run by Lua scripts included, `INFO` excluded.
    public var calls: [String: Int]
    /// Bytes received from clients (`total_net_input_bytes`): what the clients wrote to Redis.
    public var netInputBytes: Int
    /// The AOF's size (`aof_current_size`); nil without AOF. Its growth is the bytes appended to the AOF as
    /// long as no rewrite happened (see `aofRewrites`).
    public var aofSize: Int?
    /// AOF rewrites done (`aof_rewrites`).
    public var aofRewrites: Int
    /// CPU seconds the server used, all its threads (`used_cpu_user` + `used_cpu_sys`; the AOF rewrite
    /// children's `used_cpu_*_children` are not counted).
    public var cpuSeconds: Double

    /// Every command called (scripts' commands included).
    public var commands: Int { calls.values.reduce(0, +) }

    /// The AOF growth, or nil when there is no AOF or a rewrite happened meanwhile (the size then says nothing).
    public var aofBytes: Int? { aofRewrites == 0 ? aofSize : nil }

    /// A snapshot of the server's counters now.
    public static func read(_ client: RedisClient) async throws -> RedisStats {
        let info = try await client.send(INFO("stats", "persistence", "cpu", "commandstats"))
        var fields: [Substring: Substring] = [:]
        for line in info.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon]] = line[line.index(after: colon)...]
        }
        func integer(_ name: Substring) -> Int? { fields[name].flatMap { Int($0) } }
        return RedisStats(
            calls: parseCommandCalls(info), netInputBytes: integer("total_net_input_bytes") ?? 0,
            aofSize: integer("aof_enabled") == 1 ? integer("aof_current_size") : nil,
            aofRewrites: integer("aof_rewrites") ?? 0,
            cpuSeconds: (fields["used_cpu_user"].flatMap { Double($0) } ?? 0)
                + (fields["used_cpu_sys"].flatMap { Double($0) } ?? 0))
    }

    /// The growth of each counter from `earlier` to `self`.
    public func since(_ earlier: RedisStats) -> RedisStats {
        var delta: [String: Int] = [:]
        for (name, count) in calls where count != earlier.calls[name] {
            delta[name] = count - (earlier.calls[name] ?? 0)
        }
        return RedisStats(
            calls: delta, netInputBytes: netInputBytes - earlier.netInputBytes,
            aofSize: aofSize.map { $0 - (earlier.aofSize ?? 0) }, aofRewrites: aofRewrites - earlier.aofRewrites,
            cpuSeconds: cpuSeconds - earlier.cpuSeconds)
    }

    /// The commands called, most called first.
    public var sortedCalls: [(String, Int)] {
        calls.map { ($0.key, $0.value) }.sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
    }
}
