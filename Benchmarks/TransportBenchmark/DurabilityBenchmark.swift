import BenchmarkSupport
import Foundation
import InfiniticRedis
import InfiniticTransport

/// The cost of `PublishDurability.fsynced` on this Redis (7.0: no WAITAOF, so `appendfsync always`) against the
/// default (`appendfsync everysec`, `.written`): a client's dispatch is one publish awaited alone, so both the
/// latency of single publishes and the throughput of batches of 100 are measured, on a fresh redis-server each.
func durabilityBenchmark(messages: Int) async throws {
    let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 64)
    let setups: [(String, [String], PublishDurability)] = [
        ("appendfsync everysec, .written", [], .written),
        ("appendfsync always,   .fsynced", ["--appendfsync", "always"], .fsynced),
    ]
    for (label, arguments, durability) in setups {
        let server = try await RedisServerProcess.start(extraArguments: arguments)
        var configuration = try RedisStreamsConfiguration(url: server.url, namespace: "durability")
        configuration.publishDurability = durability
        let transport = try await RedisStreamsTransport.connect(configuration: configuration)
        let topic = Topic("dispatches")
        var latencies: [Double] = []
        let singleStart = ContinuousClock.now
        for _ in 0..<messages {
            let start = ContinuousClock.now
            try await transport.publish(OutgoingMessage(topic: topic, payload: payload))
            latencies.append(seconds(start.duration(to: .now)) * 1e6)
        }
        let single = Double(messages) / seconds(singleStart.duration(to: .now))
        let batchStart = ContinuousClock.now
        for _ in 0..<max(1, messages / 100) {
            try await transport.publish((0..<100).map { _ in OutgoingMessage(topic: topic, payload: payload) })
        }
        let batched = Double(max(1, messages / 100) * 100) / seconds(batchStart.duration(to: .now))
        latencies.sort()
        print(
            String(
                format: "%@: one at a time %.0f publishes/s (p50 %.0f us, p99 %.0f us); batches of 100 %.0f msg/s",
                label, single, latencies[latencies.count / 2], latencies[latencies.count * 99 / 100], batched))
        transport.close()
        server.stopAndRemoveData()
    }
}
