import Foundation
import Testing

@testable import Infinitic

@Suite struct IdsTests {
    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func sha256MatchesTheStandardVectors() {
        #expect(
            hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(hex(SHA256.hash(long)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

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
    }
}
