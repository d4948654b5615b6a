import Foundation
import InfiniticRedis
import InfiniticTransport
import TestSupport
import Testing

@testable import InfiniticRedis

/// A `TransportProbe` child process (built with the tests): a real consumer the crash tests can SIGKILL.
struct ProbeProcess {
    let pid: Int32

    /// The probe executable, next to the test bundle.
    static var executable: String {
        get throws { try testExecutable("TransportProbe") }
    }

    static func start(
        url: String, namespace: String, topic: String, group: String, keyed: Bool, handleMilliseconds: Int,
        visibilityMilliseconds: Int, logKey: String, keyBatchSize: Int = 1, blocksItsThreads: Bool = false
    ) throws -> ProbeProcess {
        let pid = try ChildProcess.spawn(
            try executable,
            [
                url, namespace, topic, group, keyed ? "1" : "0", String(handleMilliseconds),
                String(visibilityMilliseconds), logKey, String(keyBatchSize),
            ] + (blocksItsThreads ? ["block"] : []))
        return ProbeProcess(pid: pid)
    }

    /// Starts a probe consuming `topic` for `group` in `transport`'s namespace (on the server at `url`), logging to
    /// a new list, and waits until it consumes. Returns the probe and its log's key.
    static func startReady(
        transport: RedisStreamsTransport, url: String, topic: Topic, group: String, handleMilliseconds: Int,
        visibilityMilliseconds: Int
    ) async throws -> (probe: ProbeProcess, log: String) {
        let log = "probe-log-\(UUID())"
        let probe = try start(
            url: url, namespace: transport.keyspace.namespace, topic: topic.name, group: group, keyed: topic.isKeyed,
            handleMilliseconds: handleMilliseconds, visibilityMilliseconds: visibilityMilliseconds, logKey: log)
        try await eventually("probe ready") { try await ProbeEvent.readyCount(transport.client, log) == 1 }
        return (probe, log)
    }

    func kill() {
        ChildProcess.terminate(pid, signal: SIGKILL)
    }

    func stop() {
        ChildProcess.terminate(pid, signal: SIGTERM)
    }
}

/// One line of the probe log.
struct ProbeEvent: Hashable {
    var event: String
    var consumer: String
    var id: String
    var key: String
    var payload: String
    var deliveries: Int
    var milliseconds: Int

    init?(_ line: String) {
        let parts = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 7, let deliveries = Int(parts[5]), let milliseconds = Int(parts[6]) else { return nil }
        (event, consumer, id, key, payload) = (parts[0], parts[1], parts[2], parts[3], parts[4])
        self.deliveries = deliveries
        self.milliseconds = milliseconds
    }

    static func read(_ client: RedisClient, _ key: String) async throws -> [ProbeEvent] {
        try await client.send(LRANGE(key, 0, -1)).compactMap { ProbeEvent($0.text) }
    }

    /// The handlings started and not ended (by id and delivery), oldest first.
    static func openStarts(_ events: [ProbeEvent]) -> [ProbeEvent] {
        let ended = Set(events.filter { $0.event == "end" }.map { "\($0.consumer)|\($0.id)|\($0.deliveries)" })
        return events.filter { $0.event == "start" && !ended.contains("\($0.consumer)|\($0.id)|\($0.deliveries)") }
    }

    static func readyCount(_ client: RedisClient, _ key: String) async throws -> Int {
        try await client.send(LRANGE(key, 0, -1)).filter { $0.text.hasPrefix("ready|") }.count
    }
}
