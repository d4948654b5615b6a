import InfiniticTransport
import Logging

extension BrokerCheck {
    /// Checks what can lose messages or break the scripts: the Redis version (7.0 at least), the eviction
    /// policy (must be `noeviction`: evicting a stream, a lock or a scheduled set loses messages) and
    /// persistence (AOF off only warns: a restart would lose everything not yet snapshotted).
    func verify(_ client: RedisClient, logger: Logger) async throws {
        if self == .skip { return }
        var problems: [String] = []

        let info = try await client.send(INFO("server"))
        let version =
            info.split(whereSeparator: \.isNewline)
            .first { $0.hasPrefix("redis_version:") }
            .map { String($0.dropFirst("redis_version:".count)) } ?? "unknown"
        let major = Int(version.split(separator: ".").first ?? "") ?? 0
        if major < 7 {
            problems.append(
                "Redis \(version) is too old: Infinitic needs Redis 7.0 or newer (XAUTOCLAIM, XPENDING IDLE, ZRANGE BYSCORE)"
            )
        }

        let policy = try? await configValue("maxmemory-policy", client)
        switch policy {
        case "noeviction": break
        case nil:
            logger.warning("cannot read maxmemory-policy (CONFIG may be disabled); make sure it is 'noeviction'")
        case let other?:
            problems.append(
                "maxmemory-policy is '\(other)': Redis may evict streams, locks or scheduled messages and lose them. "
                    + "Fix: CONFIG SET maxmemory-policy noeviction, and set it in redis.conf")
        }

        if let appendOnly = try? await configValue("appendonly", client), appendOnly != "yes" {
            logger.warning(
                "Redis runs without AOF (appendonly no): messages written since the last snapshot are lost if Redis restarts. Set appendonly yes."
            )
        }

        guard !problems.isEmpty else { return }
        let message =
            "Redis at \(client.configuration.redactedURL) is not safe for Infinitic: "
            + problems.joined(separator: "; ")
        if self == .strict {
            throw TransportError(.misconfiguredBroker, message)
        }
        logger.warning("\(message)")
    }

    private func configValue(_ name: String, _ client: RedisClient) async throws -> String? {
        try await client.send(CONFIG.GET(name))[name]
    }
}
