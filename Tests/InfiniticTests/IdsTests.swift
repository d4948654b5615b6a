import Foundation
import Testing

@testable import Infinitic

@Suite struct IdsTests {
    @Test func stableIdsAreUUIDsDerivedFromTheirParts() {
        let id = StableId.make("a", "b")
        #expect(id == StableId.make("a", "b"))
        #expect(id != StableId.make("ab"), "parts are length-prefixed")
        #expect(StableId.make("ab", "c") != StableId.make("a", "bc"))
        let uuid = UUID(uuidString: id)
        #expect(uuid != nil)
        #expect(Array(id)[14] == "8", "version 8 (custom)")
        #expect(StableId.workflowTask(workflowId: "w", index: 1) != StableId.workflowTask(workflowId: "w", index: 2))
        #expect(StableId.output(of: "m", index: 0) == StableId.output(of: "m", index: 0))
        // The text is the canonical lowercase form of the UUID it parses to, for any parts.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let parts = (0..<Int.random(in: 0...4, using: &generator)).map { _ in
                String(repeating: "x", count: Int.random(in: 0...120, using: &generator))
                    + String(UInt64.random(in: 0...UInt64.max, using: &generator))
            }
            let id = StableId.make(parts)
            #expect(UUID(uuidString: id)?.uuidString.lowercased() == id, "\(parts)")
            #expect(Array(id)[14] == "8" && "89ab".contains(Array(id)[19]), "version 8, variant 10: \(id)")
        }
    }

    /// Ids already stored in running deployments: any change of digest would orphan them. Computed by the
    /// hand-written SHA-256 these ids were first made with (before swift-crypto), across the block-padding boundaries.
    @Test func stableIdsKeepTheirKnownValues() {
        let known: [([String], String)] = [
            ([], "e3b0c442-98fc-8c14-9afb-f4c8996fb924"),
            ([""], "ba768b33-1fd8-8cec-803b-e04e56ab2b3d"),
            (["a"], "4162fddd-39a3-8422-9e8e-2392eced237f"),
            (["é🚀"], "00130eeb-f867-8a13-8121-3935b03d15f5"),
            ([String(repeating: "x", count: 52)], "30882ebb-daf6-890a-8086-427cc792b264"),
            ([String(repeating: "x", count: 53)], "4ecede17-e9b8-8cba-9e89-50e81b23777c"),
            ([String(repeating: "x", count: 60)], "65ddcaa5-f90b-8ee5-ad8c-c195eab7a0da"),
            ([String(repeating: "x", count: 61)], "84cd9945-e8a6-81c0-b2ba-7ac20b6134e0"),
            ([String(repeating: "x", count: 1000)], "f6b26572-a562-8adb-be16-7a2ceac55009"),
        ]
        for (parts, id) in known {
            #expect(StableId.make(parts) == id, "\(parts.map(\.count))")
        }
        #expect(
            StableId.command(workflowId: "wf-1", methodId: "wf-1", position: 1, workflowTaskIndex: 1)
                == StableId.make(["command", "wf-1", "wf-1", "1", "task-1"]))
        #expect(StableId.workflowTask(workflowId: "wf-1", index: 7) == "0736535f-20a0-8063-b0ac-86fd4e521c29")
        #expect(StableId.output(of: "msg-1", index: 0) == "9090aed8-c989-8b08-9a57-eae2e15be6b0")
    }
}
