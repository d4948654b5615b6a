/// Each thread keeps the writer of its last encode, with its buffers: an encode then allocates its result and
/// nothing else (a new writer costs four allocations, and more as its bytes grow). An encode takes the thread's
/// writer out of the slot while it runs, so an encode nested in it (a payload encoded inside a value) gets a
/// new one.
extension BinaryWriter {
    /// The bytes a writer may keep between encodes; one that grew beyond is dropped.
    static let largestKeptCapacity = 64 << 10

    private static let slot = ThreadReuseSlot<BinaryWriter>()

    /// The thread's writer, emptied, or a new one.
    static func takeForThisThread() -> BinaryWriter {
        slot.take() ?? BinaryWriter(capacity: 256)
    }

    /// Gives `writer` back to the thread once its encode is over: kept, emptied, unless something else still
    /// holds it (an encoder kept by a value) or its buffer grew too large.
    static func giveBackToThisThread(_ writer: inout BinaryWriter) {
        guard isKnownUniquelyReferenced(&writer), writer.bytes.capacity <= largestKeptCapacity else { return }
        writer.reset()
        slot.put(writer)
    }

    /// The written bytes, copied into an array of their exact size (the writer keeps its buffer).
    var copiedBytes: [UInt8] {
        bytes.withUnsafeBufferPointer { written in
            [UInt8](unsafeUninitializedCapacity: written.count) { copy, count in
                if let source = written.baseAddress, let target = copy.baseAddress {
                    target.initialize(from: source, count: written.count)
                }
                count = written.count
            }
        }
    }
}
