import Foundation
import Infinitic
import TestSupport
import Testing

/// Custom ids end to end, on both transports: racing dispatchers start one instance and all get its outcome.
@Suite(.timeLimit(.minutes(1))) struct CustomIdRuntimeTests {
    @Test(arguments: TransportKind.allCases) func racingClientsStartOneInstance(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let key = RuntimeSystem.uniqueKey()
            let tag = "customId:\(key)"
            let results = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try await system.withClient { client in
                            try await client.workflow(OpsStub.self, tags: [tag]).hold(key)
                        }
                    }
                }
                try await eventually("the instance started") { system.controls.started(key) >= 1 }
                try await eventually("one instance carries the custom id") {
                    try await system.client.workflowIds(OpsStub.self, tag: tag).count == 1
                }
                try await Task.sleep(for: .milliseconds(300))
                system.controls.open(key)
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results == Array(repeating: "released \(key)", count: 6), "every client gets the one outcome")
            #expect(system.controls.started(key) == 1, "one instance ran")
            try await eventually("the custom id is free once the instance ended") {
                try await system.client.workflowIds(OpsStub.self, tag: tag).isEmpty
            }
            let again = try await system.client.workflow(OpsStub.self, tags: [tag]).note("next")
            #expect(again == 1, "a new instance starts once the first ended")
        }
    }
}
