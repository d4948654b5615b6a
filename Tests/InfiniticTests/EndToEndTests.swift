import Foundation
import Infinitic
import Testing

/// Whole workflows driven through the state engine, the executors and the tag engines by `EngineLoop`.
@Suite struct EndToEndTests {
    @Test func sequentialTasks() async throws {
        let loop = EngineLoop()
        let id = try loop.startWorkflow(method: "sequential", arguments: loop.codec.arguments("ada"))
        try await loop.run()
        let result = try #require(try loop.result([BookingResult].self, workflowId: id))
        #expect(
            result == [
                BookingResult(provider: "hotel", reference: "H-ada-2"),
                BookingResult(provider: "flight", reference: "F-ada"),
            ])
        #expect(try loop.state(id) == nil, "the state is deleted once everything ended")
    }
}
