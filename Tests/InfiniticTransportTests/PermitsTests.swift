import Testing

@testable import InfiniticTransport

@Suite(.timeLimit(.minutes(1))) struct PermitsTests {
    @Test func permitsHandOutBatches() async {
        let permits = Permits(3)
        #expect(await permits.acquire(upTo: 2) == 2)
        #expect(await permits.acquire(upTo: 5) == 1)
        permits.release(2)
        #expect(permits.available == 2)
    }

    @Test func anAcquireWaitsForARelease() async throws {
        let permits = Permits(1)
        #expect(await permits.acquire(upTo: 1) == 1)
        let got = Locked(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                let count = await permits.acquire(upTo: 4)
                got.withLock { $0 = count }
            }
            try await Task.sleep(for: .milliseconds(20))
            #expect(got.value == 0)
            permits.release(3)
            try await group.waitForAll()
        }
        #expect(got.value == 3)
        #expect(permits.available == 0)
    }

    @Test func aCancelledAcquireReturnsZero() async {
        let permits = Permits(0)
        let waiter = Task { await permits.acquire(upTo: 1) }
        waiter.cancel()
        #expect(await waiter.value == 0)
        #expect(permits.available == 0)
    }
}
