/// Turns values into bytes and back: user values (arguments, results, properties) and message envelopes.
///
/// The engines only need determinism from it: encoding the same value twice gives the same bytes (the strict
/// determinism check compares encoded arguments). `BinaryPayloadCodec` (the default) and `JSONPayloadCodec`
/// (readable) are provided; every worker and client of a deployment must use the same one.
public protocol PayloadCodec: Sendable {
    func encode<Value: Encodable>(_ value: Value) throws -> [UInt8]
    func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value
}

extension PayloadCodec {
    /// Encodes one value as a `Payload`.
    public func payload<Value: Encodable>(_ value: Value) throws -> Payload {
        Payload(try encode(value))
    }

    /// Decodes one value from a `Payload`.
    public func value<Value: Decodable>(_ type: Value.Type, from payload: Payload) throws -> Value {
        try decode(type, from: payload.bytes)
    }
}

extension PayloadCodec {
    /// Reads `payload` without its Swift type (for `SignalFilter`s): the two codecs of this library are
    /// self-describing; another codec's payloads cannot be read this way.
    func untypedValue(of payload: Payload) throws -> PayloadValue {
        switch self {
        case is BinaryPayloadCodec: try PayloadValue.readBinary(payload.bytes)
        case is JSONPayloadCodec: try PayloadValue.readJSON(payload.bytes)
        default: throw InfiniticError(.invalidUsage, "\(type(of: self)) payloads cannot be filtered")
        }
    }
}
