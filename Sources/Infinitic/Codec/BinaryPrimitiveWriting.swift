/// The primitive writes of the one-pass encoder's single-value and unkeyed containers: the same bytes for the
/// same value in both; each container only says how a value begins (`beginValue`: check its slot is still open,
/// count it). The keyed container writes the same way after naming the key. (`Int128`/`UInt128` stay in each
/// container: the standard library's own defaults for them would make an extension's ambiguous.)
protocol BinaryPrimitiveWriting {
    var writer: BinaryWriter { get }
    mutating func beginValue() throws
}

extension BinaryPrimitiveWriting {
    mutating func encodeNil() throws {
        try beginValue()
        writer.writeNil()
    }

    mutating func encode(_ value: Bool) throws {
        try beginValue()
        writer.writeBool(value)
    }

    mutating func encode(_ value: String) throws {
        try beginValue()
        writer.writeString(value)
    }

    mutating func encode(_ value: Double) throws {
        try beginValue()
        writer.writeDouble(value)
    }

    mutating func encode(_ value: Float) throws {
        try beginValue()
        writer.writeFloat(value)
    }

    mutating func encode(_ value: Int) throws { try encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int8) throws { try encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int16) throws { try encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int32) throws { try encodeSigned(Int64(value)) }
    mutating func encode(_ value: Int64) throws { try encodeSigned(value) }

    mutating func encode(_ value: UInt) throws { try encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { try encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { try encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { try encodeUnsigned(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { try encodeUnsigned(value) }

    @inline(__always)
    private mutating func encodeSigned(_ value: Int64) throws {
        try beginValue()
        writer.writeInt64(value)
    }

    @inline(__always)
    private mutating func encodeUnsigned(_ value: UInt64) throws {
        try beginValue()
        writer.writeUInt64(value)
    }
}
