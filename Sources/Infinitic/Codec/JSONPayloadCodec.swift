import Foundation

/// The readable codec: JSON with sorted keys, so that equal values encode to equal bytes. Messages and states
/// can be read in Redis (payloads nested in them are base64). `BinaryPayloadCodec`, the default, is several
/// times faster; a deployment chooses one for all its workers and clients.
public struct JSONPayloadCodec: PayloadCodec {
    public init() {}

    public func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    public func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
