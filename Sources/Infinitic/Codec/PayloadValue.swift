import Foundation

/// An encoded value read without its Swift type: what the state engine evaluates a `SignalFilter` on.
/// Numbers are Doubles (integers beyond 2^53 lose precision); an enum case with associated values is an object
/// with one key, the case name (as `Codable` synthesizes it).
public indirect enum PayloadValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case bytes([UInt8])
    case object([String: PayloadValue])
    case array([PayloadValue])

    /// The value at `path` (see `SignalFilter`): keys separated by dots, a number indexing an array; the empty
    /// path is the value itself. Nil when absent.
    public func value(at path: String) -> PayloadValue? {
        var current = self
        for component in path.split(separator: ".", omittingEmptySubsequences: true) {
            switch current {
            case .object(let entries):
                guard let next = entries[String(component)] else { return nil }
                current = next
            case .array(let elements):
                guard let index = Int(component), elements.indices.contains(index) else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }
}

extension PayloadValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension PayloadValue {
    /// Reads a `BinaryPayloadCodec` document.
    static func readBinary(_ bytes: [UInt8]) throws -> PayloadValue {
        guard bytes.first == BinaryFormat.magic else {
            throw BinaryFormat.unsupported(firstByte: bytes.first ?? 0)
        }
        var reader = BinaryValueReader(bytes: bytes, position: 1)
        return try reader.value(limit: bytes.count, depth: 0)
    }

    /// Reads a JSON document.
    static func readJSON(_ bytes: [UInt8]) throws -> PayloadValue {
        try JSONDecoder().decode(PayloadValue.self, from: Data(bytes))
    }
}

extension PayloadValue {
    /// Decodes whatever the single value is (null, Bool, number, String, object, array).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let object = try? container.decode([String: PayloadValue].self) {
            self = .object(object)
        } else if let array = try? container.decode([PayloadValue].self) {
            self = .array(array)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a value a filter can read")
        }
    }

    /// Encodes the value as itself (bytes as an array of numbers).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let bool): try container.encode(bool)
        case .number(let number): try container.encode(number)
        case .string(let string): try container.encode(string)
        case .bytes(let bytes): try container.encode(bytes.map(Double.init))
        case .object(let object): try container.encode(object)
        case .array(let array): try container.encode(array)
        }
    }
}

/// Reads the values of a `BinaryFormat` document as `PayloadValue`s, bounds-checked.
private struct BinaryValueReader {
    let bytes: [UInt8]
    var position: Int

    mutating func value(limit: Int, depth: Int) throws -> PayloadValue {
        guard depth < BinaryFormat.maximumDepth else { throw BinaryFormat.corrupted("nested too deep") }
        let tag = try byte(limit: limit)
        switch tag {
        case BinaryFormat.null: return .null
        case BinaryFormat.falseValue: return .bool(false)
        case BinaryFormat.trueValue: return .bool(true)
        case BinaryFormat.smallInteger...: return .number(Double(tag - BinaryFormat.smallInteger))
        case BinaryFormat.positive: return .number(try varint(limit: limit))
        case BinaryFormat.negative: return .number(-1 - (try varint(limit: limit)))
        case BinaryFormat.float32:
            let bits = try fixed(4, limit: limit)
            return .number(Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits))))
        case BinaryFormat.float64:
            return .number(Double(bitPattern: try fixed(8, limit: limit)))
        case BinaryFormat.shortString..<BinaryFormat.smallInteger:
            return .string(try string(count: Int(tag & 0x3F), limit: limit))
        case BinaryFormat.string:
            return .string(try string(count: try length(limit: limit), limit: limit))
        case BinaryFormat.bytes:
            let count = try length(limit: limit)
            defer { position += count }
            return .bytes(Array(bytes[position..<position + count]))
        case BinaryFormat.keyed:
            let count = try length(limit: limit)
            let end = position + count
            var entries: [String: PayloadValue] = [:]
            while position < end {
                let key = try string(count: try length(limit: end), limit: end)
                entries[key] = try value(limit: end, depth: depth + 1)
            }
            return .object(entries)
        case BinaryFormat.unkeyed:
            let count = try length(limit: limit)
            let end = position + count
            var elements: [PayloadValue] = []
            while position < end { elements.append(try value(limit: end, depth: depth + 1)) }
            return .array(elements)
        default:
            throw BinaryFormat.corrupted("unknown tag 0x\(String(tag, radix: 16)) at byte \(position - 1)")
        }
    }

    private mutating func byte(limit: Int) throws -> UInt8 {
        guard position < limit else { throw BinaryFormat.corrupted("truncated at byte \(position)") }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func varint(limit: Int) throws -> Double {
        var result = 0.0
        var scale = 1.0
        while true {
            let byte = try byte(limit: limit)
            result += Double(byte & 0x7F) * scale
            if byte < 0x80 { return result }
            scale *= 128
        }
    }

    private mutating func length(limit: Int) throws -> Int {
        let count = try varint(limit: limit)
        guard count <= Double(limit - position) else { throw BinaryFormat.corrupted("truncated at byte \(position)") }
        return Int(count)
    }

    private mutating func fixed(_ count: Int, limit: Int) throws -> UInt64 {
        guard limit - position >= count else { throw BinaryFormat.corrupted("truncated at byte \(position)") }
        var bits: UInt64 = 0
        for index in 0..<count { bits |= UInt64(bytes[position + index]) << (8 * UInt64(index)) }
        position += count
        return bits
    }

    private mutating func string(count: Int, limit: Int) throws -> String {
        guard count <= limit - position else { throw BinaryFormat.corrupted("truncated at byte \(position)") }
        defer { position += count }
        guard let text = String(validating: bytes[position..<position + count], as: UTF8.self) else {
            throw BinaryFormat.corrupted("invalid UTF-8 at byte \(position)")
        }
        return text
    }
}
