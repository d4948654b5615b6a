import Testing

@testable import InfiniticTransport

@Test func permitsHandOutBatches() async {
    let permits = Permits(3)
    #expect(await permits.acquire(upTo: 2) == 2)
    #expect(await permits.acquire(upTo: 5) == 1)
    permits.release(2)
    #expect(permits.available == 2)
}
