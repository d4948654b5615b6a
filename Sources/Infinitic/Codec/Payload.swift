import Foundation

/// Encoded bytes of one user value (an argument, a return value, a property, an error's fields).
///
/// Values are encoded one by one with a `PayloadCodec`, so a method's arguments are a `[Payload]`. In an encoded
/// envelope a payload is a single value (base64 in JSON).
public struct Payload: Sendable, Hashable, Codable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// What a method returning `Void` produces.
    public static let void = Payload([])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        bytes = Array(try container.decode(Data.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Data(bytes))
    }

    public var description: String {
        String(decoding: bytes, as: UTF8.self)
    }
}
