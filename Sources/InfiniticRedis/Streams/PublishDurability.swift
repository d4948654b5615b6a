import InfiniticTransport
import Logging

/// When a publish (a client's dispatch) returns, against a machine crash of Redis.
///
/// With AOF `appendfsync everysec` (the recommended setting, see `Deploy/redis.conf`), Redis fsyncs once a
/// second: a machine crash (power, kernel; not a Redis crash, the OS keeps its writes) loses up to the last
/// second of writes, so a workflow dispatched in it can vanish without trace although its dispatch returned.
public enum PublishDurability: Sendable, Hashable {
    /// Returns once Redis has the message in memory (and in its AOF buffer).
    case written
    /// Returns once the message is fsynced to Redis' AOF: `WAITAOF 1 0 0` after the write on Redis 7.2 and
    /// newer; on older servers `appendfsync always` must be set (every write is fsynced before Redis answers),
    /// which `connect` checks, refusing to start otherwise. Scheduled messages are not awaited this way.
    case fsynced
}

extension PublishDurability {
    /// Whether publishes must be followed by `WAITAOF` (true) or need nothing (false, also for `.fsynced` on a
    /// server that fsyncs every write). Throws `misconfiguredBroker` when `.fsynced` cannot be given.
    func verify(_ client: RedisClient) async throws -> Bool {
        guard self == .fsynced else { return false }
        let info = try await client.send(INFO("server"))
        let version =
            info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("redis_version:") }
            .map { $0.dropFirst("redis_version:".count).split(separator: ".").compactMap { Int($0) } } ?? []
        if version.count >= 2, (version[0], version[1]) >= (7, 2) { return true }
        let appendOnly = try? await client.send(CONFIG.GET("appendonly"))["appendonly"]
        let fsync = try? await client.send(CONFIG.GET("appendfsync"))["appendfsync"]
        if appendOnly == "yes" && fsync == "always" { return false }
        throw TransportError(
            .misconfiguredBroker,
            "publishDurability .fsynced needs WAITAOF (Redis 7.2+) or a Redis with appendonly yes and appendfsync "
                + "always; Redis at \(client.configuration.redactedURL) has neither (appendonly "
                + "\(appendOnly ?? "unknown"), appendfsync \(fsync ?? "unknown"))")
    }
}
