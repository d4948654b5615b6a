import Foundation
import Synchronization
import Testing

@testable import Infinitic

/// `BinaryPayloadCodec` reuses its thread's writer and decoding state (`ThreadReuseSlot`): results stay
/// independent and exact, a call nested in another gets its own, and one something kept is never reused.
@Suite struct BinaryCodecReuseTests {
    let codec = BinaryPayloadCodec()

    @Test func resultsAreIndependentAndOfTheirExactSize() throws {
        let long = try codec.encode(String(repeating: "x", count: 1_000))
        let short = try codec.encode("y")
        #expect(try codec.decode(String.self, from: long) == String(repeating: "x", count: 1_000))
        #expect(try codec.decode(String.self, from: short) == "y")
        #expect(short.count == 3 && short.capacity < 64, "no spare capacity kept from the writer")
        var copy = short
        copy[2] = 0
        #expect(try codec.encode("y") == short)
    }

    @Test func anEncodeNestedInAnotherGetsItsOwnWriter() throws {
        let outer = Nesting(inner: "payload", codec: codec)
        let bytes = try codec.encode(outer)
        let decoded = try codec.decode(Nesting.Decoded.self, from: bytes)
        #expect(try codec.decode(String.self, from: decoded.inner) == "payload")
        #expect(decoded.name == "outer")
    }

    @Test func anEncoderKeptPastItsEncodeLeavesLaterEncodesIntact() throws {
        let keeper = Keeper()
        let first = try codec.encode(keeper)
        #expect(keeper.kept != nil)
        let second = try codec.encode(["a": 1, "b": 2])
        #expect(try codec.decode([String: Int].self, from: second) == ["a": 1, "b": 2])
        #expect(try codec.decode([String: String].self, from: first) == ["kept": "yes"])
    }

    @Test func aSlotGivesBackWhatItsThreadPutAndReleasesItWhenTheThreadEnds() async throws {
        let slot = ThreadReuseSlot<Tracked>()
        let (sameBack, emptied, released) = (Flag(), Flag(), Flag())
        let thread = Thread {
            let object = Tracked {}
            slot.put(object)
            if slot.take() === object { sameBack.set() }
            if slot.take() == nil { emptied.set() }
            slot.put(Tracked { released.set() })  // kept for this thread, until it ends
        }
        thread.start()
        let deadline = ContinuousClock.now + .seconds(10)
        while !released.isSet, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(sameBack.isSet && emptied.isSet)
        #expect(released.isSet, "the object the thread kept was released when the thread ended")
    }

    @Test func aDecodeNestedInAnotherGetsItsOwnState() throws {
        let bytes = try codec.encode(Nesting(inner: "payload", codec: codec))
        let decoded = try codec.decode(DecodingNested.self, from: bytes)
        #expect(decoded.inner == "payload" && decoded.name == "outer")
    }

    @Test func aDecoderKeptPastItsDecodeStillReadsItsOwnDocument() throws {
        let first = try codec.decode(DecoderKeeper.self, from: codec.encode(["name": "first"]))
        for index in 0..<3 {
            _ = try codec.decode([String: String].self, from: codec.encode(["name": "other \(index)"]))
        }
        #expect(try first.name() == "first")
    }
}

/// Calls `onDeinit` when it is released.
private final class Tracked: Sendable {
    let onDeinit: @Sendable () -> Void
    init(_ onDeinit: @escaping @Sendable () -> Void) { self.onDeinit = onDeinit }
    deinit { onDeinit() }
}

/// Decodes, inside its own decoding, the bytes of a nested encode.
private struct DecodingNested: Decodable {
    let name: String
    let inner: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Nesting.CodingKeys.self)
        let bytes = try container.decode([UInt8].self, forKey: .inner)
        inner = try BinaryPayloadCodec().decode(String.self, from: bytes)
        name = try container.decode(String.self, forKey: .name)
    }
}

/// Keeps the decoder it was given and reads from it later (beyond the Codable contract: it must still read its
/// own document).
private final class DecoderKeeper: Decodable, @unchecked Sendable {
    let decoder: any Decoder

    init(from decoder: any Decoder) throws {
        self.decoder = decoder
    }

    func name() throws -> String {
        try decoder.container(keyedBy: Keeper.AnyKey.self).decode(
            String.self, forKey: Keeper.AnyKey(stringValue: "name"))
    }
}

/// Encodes a name and, nested, the bytes of another encode made while its own is running.
private struct Nesting: Encodable {
    let inner: String
    let codec: BinaryPayloadCodec

    struct Decoded: Decodable {
        let name: String
        let inner: [UInt8]
    }

    enum CodingKeys: String, CodingKey { case name, inner }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("outer", forKey: .name)
        try container.encode(try codec.encode(inner), forKey: .inner)
    }
}

/// Keeps the encoder it was given (which the Codable contract does not allow, but must not corrupt anything).
private final class Keeper: Encodable, @unchecked Sendable {
    var kept: (any Encoder)?

    func encode(to encoder: any Encoder) throws {
        kept = encoder
        var container = encoder.container(keyedBy: AnyKey.self)
        try container.encode("yes", forKey: AnyKey(stringValue: "kept"))
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
