/// The bytes `BinaryPayloadCodec` writes, version 1.
///
/// A document is the magic byte `0xB1` (the `0xB_` family is this format, its low nibble the version: a
/// document of another version is refused with an error naming it) followed by exactly one value. A value
/// starts with a tag byte:
///
/// | tag | then | value |
/// |---|---|---|
/// | `0x00` | | nil |
/// | `0x01`, `0x02` | | false, true |
/// | `0x80`–`0xFF` | | integer `tag - 0x80` (0...127), of any integer type |
/// | `0x03` | varint n | integer n (written for n ≥ 128; up to 128 bits) |
/// | `0x04` | varint n | integer `-1 - n` |
/// | `0x05` | 4 bytes | Float, IEEE 754 bits, little endian |
/// | `0x06` | 8 bytes | Double (and `Date`, whose Codable form is its Double since 2001) |
/// | `0x40`–`0x7F` | `tag - 0x40` bytes | String of fewer than 64 UTF-8 bytes |
/// | `0x07` | varint n, n bytes | String of 64 UTF-8 bytes or more |
/// | `0x08` | varint n, n bytes | raw bytes: `Data`, `[UInt8]`, `Payload` |
/// | `0x09` | varint n, n bytes | keyed container: entries, each a key (varint length, UTF-8) and a value |
/// | `0x0A` | varint n, n bytes | unkeyed container: values |
///
/// Varints are unsigned LEB128 (7 bits a byte, low bits first), minimal when written. A container's length is
/// its byte length, so a reader skips any value without reading into it: unknown keys cost nothing and missing
/// ones are simply absent. Keys are `CodingKey.stringValue`s in the order the value encodes them (declaration
/// order for synthesized conformances), except that the entries of dictionaries and of containers with keys
/// made at run time are sorted by key bytes, and `Set` elements by their encoded bytes: equal values give equal
/// bytes.
enum BinaryFormat {
    /// The first byte of a document: family `0xB0`, version 1.
    static let magic: UInt8 = 0xB1
    static let version = 1

    static let null: UInt8 = 0x00
    static let falseValue: UInt8 = 0x01
    static let trueValue: UInt8 = 0x02
    static let positive: UInt8 = 0x03
    static let negative: UInt8 = 0x04
    static let float32: UInt8 = 0x05
    static let float64: UInt8 = 0x06
    static let string: UInt8 = 0x07
    static let bytes: UInt8 = 0x08
    static let keyed: UInt8 = 0x09
    static let unkeyed: UInt8 = 0x0A
    /// `shortString | n`: a string of n < 64 bytes.
    static let shortString: UInt8 = 0x40
    /// `smallInteger | n`: the integer n < 128.
    static let smallInteger: UInt8 = 0x80

    /// How deep containers may nest in a document being decoded (a corrupt or hostile document could otherwise
    /// exhaust the stack through a recursive type).
    static let maximumDepth = 512

    /// What a tag announces, for error messages.
    static func describe(_ tag: UInt8) -> String {
        switch tag {
        case null: "nil"
        case falseValue, trueValue: "a Bool"
        case positive, negative, smallInteger...: "an integer"
        case float32: "a Float"
        case float64: "a Double"
        case string, shortString..<smallInteger: "a String"
        case bytes: "raw bytes"
        case keyed: "a keyed container"
        case unkeyed: "an unkeyed container"
        default: "the unknown tag 0x\(String(tag, radix: 16))"
        }
    }

    /// The error for bytes that are not a valid document.
    static func corrupted(_ message: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: [], debugDescription: "BinaryPayloadCodec: \(message)"))
    }

    /// The error for a document that does not start with the magic byte of this version.
    static func unsupported(firstByte: UInt8) -> DecodingError {
        if firstByte & 0xF0 == magic & 0xF0 {
            return corrupted(
                "format version \(firstByte & 0x0F) is not supported (this code reads version \(version)): written by "
                    + "newer code?")
        }
        let json = firstByte == UInt8(ascii: "{") || firstByte == UInt8(ascii: "[") || firstByte == UInt8(ascii: "\"")
        return corrupted(
            "not a BinaryPayloadCodec document (first byte 0x\(String(firstByte, radix: 16))\(json ? ", JSON?" : ""))"
                + ": do all workers and clients use the same codec?")
    }
}
