import Foundation
import Infinitic
import InfiniticRedis
import Logging
import TestSupport
import Testing

/// Workflows on a Redis Cluster whose shape changes during the run: slots resharded between masters, a master
/// killed and its replica promoted. Each test starts a cluster of its own.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ClusterRuntimeTests {
    static let workflows = 1000
    static let inFlight = 100

    /// `redis-cli --cluster reshard` moves a third of the slots (their keys migrating one batch at a time, with
    /// `ASK` and `TRYAGAIN` answers meanwhile) while 1,000 workflows run: every one completes with its result.
    @Test func aReshardingDuringARunLosesNothing() async throws {
        let cluster = try await RedisClusterProcess.start(masters: 3)
        defer { cluster.stopAndRemoveData() }
        let transport = try await TestCluster.transport(cluster: cluster)
        try await RuntimeSystem.run(.redisCluster, transport: transport) { system in
            try await runWorkflows(system) { started in
                try await started.wait(for: Self.workflows / 5)
                let masters = try await cluster.runningNodes().filter(\.isMaster)
                try await cluster.reshard(slots: 3000, from: masters[0], to: masters[1])
                try await cluster.reshard(slots: 1500, from: masters[1], to: masters[2])
            }
        }
    }

    /// A master is SIGKILLed during a run of 1,000 workflows; its replica takes over after the node timeout and
    /// every workflow completes with its result. (Replication is asynchronous: what the dead master acknowledged
    /// but had not yet sent to its replica is lost. A commit is one script, replicated whole or not at all, so its
    /// input message is still pending on the replica and is handled again; see README, "Redis Cluster".)
    @Test func aMasterKilledDuringARunFailsOverAndLosesNothing() async throws {
        let cluster = try await RedisClusterProcess.start(masters: 3, replicasPerMaster: 1, nodeTimeout: .seconds(1))
        defer { cluster.stopAndRemoveData() }
        let transport = try await TestCluster.transport(cluster: cluster)
        try await RuntimeSystem.run(.redisCluster, transport: transport) { system in
            try await runWorkflows(system) { started in
                try await started.wait(for: Self.workflows / 3)
                let victim = try #require(try await cluster.runningNodes().first(where: \.isMaster))
                victim.server.kill()
                try await cluster.waitUntilHealthy(timeout: .seconds(30))
                #expect(try await cluster.runningNodes().filter(\.isMaster).count == 3, "a replica took over")
            }
        }
    }

    /// Runs `workflows` workflows, `inFlight` at a time, while `disturb` runs; checks every result.
    private func runWorkflows(
        _ system: RuntimeSystem, disturb: @escaping @Sendable (Counter) async throws -> Void
    ) async throws {
        let started = Counter()
        let results = Locked<[Int: [BookingResult]]>([:])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await disturb(started) }
            group.addTask {
                try await withThrowingTaskGroup(of: Void.self) { runs in
                    for index in 0..<Self.workflows {
                        if index >= Self.inFlight { try await runs.next() }
                        runs.addTask {
                            started.increment()
                            let result = try await system.client.workflow(TripsStub.self).sequential("guest-\(index)")
                            results.withLock { $0[index] = result }
                        }
                    }
                    try await runs.waitForAll()
                }
            }
            try await group.waitForAll()
        }
        let all = results.value
        #expect(all.count == Self.workflows)
        for index in 0..<Self.workflows {
            #expect(
                all[index] == [
                    BookingResult(provider: "hotel", reference: "H-guest-\(index)-2"),
                    BookingResult(provider: "flight", reference: "F-guest-\(index)"),
                ], "workflow \(index)")
        }
    }
}

/// A count that tasks can wait on.
final class Counter: Sendable {
    private let value = Locked(0)

    func increment() { value.withLock { $0 += 1 } }

    var count: Int { value.value }

    /// Waits until the count reaches `target`.
    func wait(for target: Int) async throws {
        while value.value < target { try await Task.sleep(for: .milliseconds(20)) }
    }
}
