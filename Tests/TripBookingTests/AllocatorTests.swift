import Foundation
import InfiniticJemalloc
import TestSupport
import Testing

/// Worker executables run on jemalloc (`InfiniticJemalloc`, linked by `InfiniticWorkerCommand`): it serves their
/// `malloc`, Swift's runtime included, and a worker says so when it starts.
@Suite("Allocator")
struct AllocatorTests {
    @Test func jemallocServesThisProcessesMalloc() {
        #expect(Jemalloc.servesMalloc)
        #expect(Jemalloc.version != nil)
        #expect(Jemalloc.description.hasPrefix("jemalloc 5"), "\(Jemalloc.description)")
    }

    @Test func aWorkerSaysWhichAllocatorItRunsOn() async throws {
        let server = try await TestRedis.server()
        let worker = try WorkerProcess(
            redisURL: server.url, namespace: TestRedis.uniqueNamespace("allocator"), effectsKey: nil)
        defer { worker.stop() }
        try await eventually("the worker logged its allocator") { worker.log.contains("allocator: jemalloc 5") }
    }
}
