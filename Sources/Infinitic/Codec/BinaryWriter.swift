import Foundation

/// The bytes of a document being encoded, written in one pass, and the containers still open in them.
///
/// A container is written where it is opened: its tag, a length byte reserved, then its content. It stays open
/// until something is written into an enclosing container (or the document ends); it then closes: its items
/// are sorted if its order is canonical, and its length is written (moving the content when it needs more than
/// the reserved byte). A container written into after it closed cannot be written in one pass: `needsTree` is
/// set and the value is encoded again by `BinaryTreeEncoder`.
final class BinaryWriter {
    struct Frame {
        /// Where the container's tag is.
        var header: Int
        /// A super encoder's value slot not written yet (-1 if none): filled with an empty keyed container if it
        /// still is when the container goes on.
        var pendingSlot: Int
        var order: BinaryCanonicalOrder
    }

    /// The writer's variables, out of line: accessed through a pointer, they escape the dynamic exclusivity
    /// checks of class properties (a tenth of the encoding time otherwise).
    private struct Variables {
        var bytes: [UInt8] = []
        var frames: [Frame] = []
        var needsTree = false
        var valueType: Any.Type?
        var valueTypeSlot = -1
        /// Whether `BinaryWritable` values write their fields themselves (off only to compare with `Encodable`).
        var writesFields = true
    }

    private let variables: UnsafeMutablePointer<Variables>
    let directTypes = BinaryDirectTypes.identifiers

    init(capacity: Int = 0) {
        variables = .allocate(capacity: 1)
        variables.initialize(to: Variables())
        variables.pointee.bytes.reserveCapacity(capacity)
        variables.pointee.frames.reserveCapacity(8)
    }

    deinit {
        variables.deinitialize(count: 1)
        variables.deallocate()
    }

    // MARK: reuse
    // Each thread keeps the writer of its last encode, with its buffers: an encode then allocates its result and
    // nothing else (a new writer costs four allocations, and more as its bytes grow). An encode takes the thread's
    // writer out of the slot while it runs, so an encode nested in it (a payload encoded inside a value) gets a
    // new one.

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

    /// Empties the writer for another document, keeping the capacity of its buffers.
    func reset() {
        variables.pointee.bytes.removeAll(keepingCapacity: true)
        variables.pointee.frames.removeAll(keepingCapacity: true)
        variables.pointee.needsTree = false
        variables.pointee.valueType = nil
        variables.pointee.valueTypeSlot = -1
        variables.pointee.writesFields = true
    }

    /// Whether `BinaryWritable` values write their fields themselves, rather than through `Encodable`.
    var writesFields: Bool {
        get { variables.pointee.writesFields }
        set { variables.pointee.writesFields = newValue }
    }

    var bytes: [UInt8] {
        _read { yield variables.pointee.bytes }
        _modify { yield &variables.pointee.bytes }
    }

    /// The open containers, innermost last.
    var frames: [Frame] {
        _read { yield variables.pointee.frames }
        _modify { yield &variables.pointee.frames }
    }

    /// Containers were used in an order one pass cannot write: encode with `BinaryTreeEncoder` instead.
    var needsTree: Bool {
        get { variables.pointee.needsTree }
        set { variables.pointee.needsTree = newValue }
    }

    /// The type of the value being encoded at `valueTypeSlot` (an unkeyed container opened there may be a `Set`).
    var valueType: Any.Type? {
        get { variables.pointee.valueType }
        set { variables.pointee.valueType = newValue }
    }

    var valueTypeSlot: Int {
        get { variables.pointee.valueTypeSlot }
        set { variables.pointee.valueTypeSlot = newValue }
    }

    // MARK: scalars

    @inline(__always)
    func writeNil() {
        bytes.append(BinaryFormat.null)
    }

    @inline(__always)
    func writeBool(_ value: Bool) {
        bytes.append(value ? BinaryFormat.trueValue : BinaryFormat.falseValue)
    }

    @inline(__always)
    func writeVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    @inline(__always)
    func writeUInt64(_ value: UInt64) {
        if value < 0x80 {
            bytes.append(BinaryFormat.smallInteger | UInt8(truncatingIfNeeded: value))
        } else {
            bytes.append(BinaryFormat.positive)
            writeVarint(value)
        }
    }

    @inline(__always)
    func writeInt64(_ value: Int64) {
        if value >= 0 {
            writeUInt64(UInt64(value))
        } else {
            bytes.append(BinaryFormat.negative)
            writeVarint(UInt64(bitPattern: ~value))
        }
    }

    func writeUInt128(_ value: UInt128) {
        if let small = UInt64(exactly: value) { return writeUInt64(small) }
        bytes.append(BinaryFormat.positive)
        writeVarint128(value)
    }

    func writeInt128(_ value: Int128) {
        if let small = Int64(exactly: value) { return writeInt64(small) }
        if value >= 0 { return writeUInt128(UInt128(value)) }
        bytes.append(BinaryFormat.negative)
        writeVarint128(UInt128(~value))
    }

    private func writeVarint128(_ value: UInt128) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    @inline(__always)
    func writeFloat(_ value: Float) {
        bytes.append(BinaryFormat.float32)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    func writeDouble(_ value: Double) {
        bytes.append(BinaryFormat.float64)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    func writeString(_ value: String) {
        let count = value.utf8.count
        if count < 64 {
            bytes.append(BinaryFormat.shortString | UInt8(truncatingIfNeeded: count))
        } else {
            bytes.append(BinaryFormat.string)
            writeVarint(UInt64(count))
        }
        appendUTF8(value)
    }

    @inline(__always)
    private func appendUTF8(_ string: String) {
        var string = string
        string.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// A key known at compile time (`BinaryWritable`): its length and its UTF-8 bytes, no tag.
    @inline(__always)
    func writeKey(_ key: StaticString) {
        let count = key.utf8CodeUnitCount
        if count < 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: count))
        } else {
            writeVarint(UInt64(count))
        }
        bytes.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: count))
    }

    /// A key of a keyed container: its length and its UTF-8 bytes, no tag.
    @inline(__always)
    func writeKey(_ key: String) {
        let count = key.utf8.count
        if count < 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: count))
        } else {
            writeVarint(UInt64(count))
        }
        appendUTF8(key)
    }

    @inline(__always)
    func writeBytes(_ value: [UInt8]) {
        bytes.append(BinaryFormat.bytes)
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    func writeBytes(_ value: Data) {
        bytes.append(BinaryFormat.bytes)
        writeVarint(UInt64(value.count))
        value.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    func writeEmptyKeyed() {
        bytes.append(BinaryFormat.keyed)
        bytes.append(0)
    }

    // MARK: values

    /// Writes a value whose type has a direct encoding (scalars, raw bytes, common collections); false for
    /// other types, which encode themselves.
    @inline(__always)
    func writeDirect<T: Encodable>(_ value: T) -> Bool {
        if T.self == String.self {
            writeString(unsafeBitCast(value, to: String.self))
        } else if T.self == Payload.self {
            writeBytes(unsafeBitCast(value, to: Payload.self).bytes)
        } else if T.self == Int.self {
            writeInt64(Int64(unsafeBitCast(value, to: Int.self)))
        } else if T.self == Date.self {
            writeDouble(unsafeBitCast(value, to: Date.self).timeIntervalSinceReferenceDate)
        } else if T.self == Bool.self {
            writeBool(unsafeBitCast(value, to: Bool.self))
        } else if T.self == Double.self {
            writeDouble(unsafeBitCast(value, to: Double.self))
        } else {
            return writeDirectCollection(value)
        }
        return true
    }

    private func writeDirectCollection<T: Encodable>(_ value: T) -> Bool {
        guard let direct = directTypes.collection(T.self) else { return false }
        switch direct {
        case .payloads:
            let header = open(BinaryFormat.unkeyed, order: .none)
            for payload in unsafeBitCast(value, to: [Payload].self) { writeBytes(payload.bytes) }
            close(header: header)
        case .stringSet:
            let header = open(BinaryFormat.unkeyed, order: .elements)
            for element in unsafeBitCast(value, to: Set<String>.self) { writeString(element) }
            close(header: header)
        case .stringDictionary:
            let header = open(BinaryFormat.keyed, order: .keys)
            for (key, element) in unsafeBitCast(value, to: [String: String].self) {
                writeKey(key)
                writeString(element)
            }
            close(header: header)
        case .payloadDictionary:
            let header = open(BinaryFormat.keyed, order: .keys)
            for (key, element) in unsafeBitCast(value, to: [String: Payload].self) {
                writeKey(key)
                writeBytes(element.bytes)
            }
            close(header: header)
        case .strings:
            let header = open(BinaryFormat.unkeyed, order: .none)
            for element in unsafeBitCast(value, to: [String].self) { writeString(element) }
            close(header: header)
        case .data:
            writeBytes(unsafeBitCast(value, to: Data.self))
        case .byteArray:
            writeBytes(unsafeBitCast(value, to: [UInt8].self))
        }
        return true
    }

    /// Encodes a value known to be writable: no look-up of its conformance (see `encodeValue(_:)`).
    @inline(__always)
    func encodeWritable<T: BinaryWritable>(_ value: T) throws {
        if writesFields {
            try value.write(to: self, depth: frames.count)
        } else {
            try encodeValue(value)
        }
    }

    /// Writes any value at the end (in a one-pass encoding).
    func encodeValue<T: Encodable>(_ value: T) throws {
        if writeDirect(value) { return }
        let slot = bytes.count
        let depth = frames.count
        // The type is cast, not the value: casting a value to `any BinaryWritable` boxes a copy of it.
        if writesFields, let writable = T.self as? any BinaryWritable.Type {
            try writable.write(value, to: self, depth: depth)
            return
        }
        valueType = T.self
        valueTypeSlot = slot
        try value.encode(to: BinaryEncoder(writer: self, slot: slot, depth: depth))
        if bytes.count == slot { writeEmptyKeyed() }
    }

    // MARK: containers

    /// Opens a container at the end; returns where its header is.
    @inline(__always)
    func open(_ tag: UInt8, order: BinaryCanonicalOrder) -> Int {
        let header = bytes.count
        bytes.append(tag)
        bytes.append(0)
        frames.append(Frame(header: header, pendingSlot: -1, order: order))
        return header
    }

    /// Closes the innermost container, which must be the one at `header`.
    @inline(__always)
    func close(header: Int) {
        let frame = frames.removeLast()
        assert(frame.header == header)
        finish(frame)
    }

    /// Closes every open container (the document is complete).
    func closeAll() {
        while let frame = frames.popLast() { finish(frame) }
    }

    private func finish(_ frame: Frame) {
        if frame.pendingSlot >= 0 && frame.pendingSlot == bytes.count { writeEmptyKeyed() }
        let contentStart = frame.header + 2
        if frame.order != .none { sortItems(from: contentStart, order: frame.order) }
        let length = bytes.count - contentStart
        if length < 0x80 {
            bytes[frame.header + 1] = UInt8(truncatingIfNeeded: length)
            return
        }
        var size = 1
        var rest = length >> 7
        while rest > 0 {
            size += 1
            rest >>= 7
        }
        // The length takes `size` bytes where one was reserved: move the content right.
        bytes.append(contentsOf: repeatElement(0, count: size - 1))
        bytes.withUnsafeMutableBytes { buffer in
            let base = buffer.baseAddress!
            _ = memmove(base + contentStart + size - 1, base + contentStart, length)
            var position = frame.header + 1
            var value = length
            while value >= 0x80 {
                buffer[position] = UInt8(truncatingIfNeeded: value) | 0x80
                value >>= 7
                position += 1
            }
            buffer[position] = UInt8(truncatingIfNeeded: value)
        }
    }

    /// Sorts the items of the container whose content starts at `start` (and runs to the end) in `order`.
    private func sortItems(from start: Int, order: BinaryCanonicalOrder) {
        let end = bytes.count
        var sorted: [UInt8]?
        bytes.withUnsafeBytes { buffer in
            let scanner = BinaryScanner(base: buffer.baseAddress!)
            var items: [SortedItem] = []
            var position = start
            do {
                while position < end {
                    switch order {
                    case .keys:
                        var keyStart = position
                        let keyLength = try scanner.length(&keyStart, limit: end)
                        let itemEnd = try scanner.skip(keyStart + keyLength, limit: end)
                        items.append(
                            SortedItem(start: position, end: itemEnd, keyStart: keyStart, keyEnd: keyStart + keyLength))
                        position = itemEnd
                    case .elements:
                        let itemEnd = try scanner.skip(position, limit: end)
                        items.append(SortedItem(start: position, end: itemEnd, keyStart: position, keyEnd: itemEnd))
                        position = itemEnd
                    case .pairs:
                        let keyEnd = try scanner.skip(position, limit: end)
                        let itemEnd = try scanner.skip(keyEnd, limit: end)
                        items.append(SortedItem(start: position, end: itemEnd, keyStart: position, keyEnd: keyEnd))
                        position = itemEnd
                    case .none:
                        return
                    }
                }
            } catch {
                return  // not items of this order (an odd number of values for pairs): leave them as written
            }
            guard items.count > 1 else { return }
            let base = buffer.baseAddress!
            func precedes(_ a: SortedItem, _ b: SortedItem) -> Bool {
                let aCount = a.keyEnd - a.keyStart
                let bCount = b.keyEnd - b.keyStart
                let common = min(aCount, bCount)
                let order = common == 0 ? 0 : memcmp(base + a.keyStart, base + b.keyStart, common)
                return order != 0 ? order < 0 : aCount < bCount
            }
            var inOrder = true
            for index in 1..<items.count where precedes(items[index], items[index - 1]) {
                inOrder = false
                break
            }
            if inOrder { return }
            items.sort(by: precedes)
            var output: [UInt8] = []
            output.reserveCapacity(end - start)
            for item in items {
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[item.start..<item.end]))
            }
            sorted = output
        }
        if let sorted { bytes.replaceSubrange(start..<end, with: sorted) }
    }

    /// An item of a container being sorted: its bytes, and the bytes it sorts by.
    private struct SortedItem {
        var start: Int
        var end: Int
        var keyStart: Int
        var keyEnd: Int
    }

    // MARK: one-pass bookkeeping

    /// Whether the value slot at `slot`, made when `depth` containers were open, is still empty and writable.
    @inline(__always)
    func isFresh(slot: Int, depth: Int) -> Bool {
        bytes.count == slot && frames.count == depth
    }

    /// Makes the container at `header` (the `depth`-th open one) ready for its next item: closes the containers
    /// opened after it, fills its pending super encoder slot. False, with `needsTree` set, if it was closed.
    @inline(__always)
    func prepare(header: Int, depth: Int) -> Bool {
        if depth >= 0 && frames.count == depth + 1 && frames[depth].header == header && frames[depth].pendingSlot < 0 {
            return true
        }
        return prepareSlowly(header: header, depth: depth)
    }

    private func prepareSlowly(header: Int, depth: Int) -> Bool {
        guard depth >= 0, depth < frames.count, frames[depth].header == header else {
            needsTree = true
            return false
        }
        while frames.count > depth + 1 { finish(frames.removeLast()) }
        let pending = frames[depth].pendingSlot
        if pending >= 0 {
            if pending == bytes.count { writeEmptyKeyed() }
            frames[depth].pendingSlot = -1
        }
        return true
    }

    /// Opens a container in the value slot at `slot` (made when `depth` containers were open), or goes on with
    /// the container of that kind already there (a class and its superclass sharing an encoder). Nil, with
    /// `needsTree` set, if the slot holds something else or was closed.
    func openInSlot(slot: Int, depth: Int, tag: UInt8, order: BinaryCanonicalOrder) -> Int? {
        if isFresh(slot: slot, depth: depth) { return open(tag, order: order) }
        if depth >= 0, depth < frames.count, frames[depth].header == slot, bytes[slot] == tag {
            while frames.count > depth + 1 { finish(frames.removeLast()) }
            return slot
        }
        needsTree = true
        return nil
    }
}

/// The collection types with a direct encoding. Identified once: comparing `T.self` with `[Payload].self` would
/// look up the metadata of `[Payload]` every time; and copied into each writer and decoding state, to read them
/// without a `swift_once` check.
enum BinaryDirectTypes {
    case payloads
    case stringSet
    case stringDictionary
    case payloadDictionary
    case strings
    case data
    case byteArray

    struct Identifiers {
        let payloads = ObjectIdentifier([Payload].self)
        let stringSet = ObjectIdentifier(Set<String>.self)
        let stringDictionary = ObjectIdentifier([String: String].self)
        let payloadDictionary = ObjectIdentifier([String: Payload].self)
        let strings = ObjectIdentifier([String].self)
        let data = ObjectIdentifier(Data.self)
        let byteArray = ObjectIdentifier([UInt8].self)

        /// Which of these `type` is, if any.
        @inline(__always)
        func collection(_ type: Any.Type) -> BinaryDirectTypes? {
            switch ObjectIdentifier(type) {
            case payloads: .payloads
            case stringSet: .stringSet
            case stringDictionary: .stringDictionary
            case payloadDictionary: .payloadDictionary
            case strings: .strings
            case data: .data
            case byteArray: .byteArray
            default: nil
            }
        }
    }

    static let identifiers = Identifiers()
}
