import Foundation

/// Any Swift error, described so that it survives serialization: its type name, its message, its own fields
/// (when the error is `Encodable`) and its cause.
public struct ErrorDescription: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The error's type, as `String(reflecting:)` names it (e.g. `MyModule.PaymentError`).
    public var typeName: String
    public var message: String
    /// The error encoded with the codec, when it is `Encodable`: its custom properties, which
    /// `decodeProperties(as:codec:)` turns back into the typed error.
    public var properties: Payload?
    private var causeBox: Indirect<ErrorDescription>?

    public init(typeName: String, message: String, properties: Payload? = nil, cause: ErrorDescription? = nil) {
        self.typeName = typeName
        self.message = message
        self.properties = properties
        self.causeBox = cause.map(Indirect.init)
    }

    /// Describes `error`, encoding its fields with `codec` when it is `Encodable`.
    public init(_ error: any Error, codec: any PayloadCodec) {
        if let description = error as? ErrorDescription {
            self = description
            return
        }
        let typeName = String(reflecting: type(of: error))
        let message = (error as? any LocalizedError)?.errorDescription ?? String(describing: error)
        var properties: Payload?
        if let encodable = error as? any Encodable {
            properties = try? codec.payload(encodable)
        }
        self.init(typeName: typeName, message: message, properties: properties)
    }

    /// The error that caused this one, if known.
    public var cause: ErrorDescription? {
        get { causeBox?.value }
        set { causeBox = newValue.map(Indirect.init) }
    }

    /// The type name without its module prefix (`PaymentError` for `MyModule.PaymentError`).
    public var shortTypeName: String {
        typeName.split(separator: ".").last.map(String.init) ?? typeName
    }

    /// Whether this describes an error of type `type`.
    public func isOfType(_ type: any Error.Type) -> Bool {
        typeName == String(reflecting: type)
    }

    /// Rebuilds the typed error from its encoded fields. Without a codec, with the one that encoded them
    /// (`BinaryPayloadCodec` if it recognizes their bytes, `JSONPayloadCodec` otherwise).
    public func decodeProperties<E: Decodable>(
        as type: E.Type, codec: (any PayloadCodec)? = nil
    ) throws
        -> E
    {
        guard let properties else {
            throw DecodingError.valueNotFound(
                E.self, .init(codingPath: [], debugDescription: "\(typeName) was not Encodable: no properties"))
        }
        let codec =
            codec ?? (BinaryPayloadCodec.recognizes(properties.bytes) ? BinaryPayloadCodec() : JSONPayloadCodec())
        return try codec.value(E.self, from: properties)
    }

    public var description: String {
        "\(shortTypeName): \(message)"
    }

    enum CodingKeys: String, CodingKey {
        case typeName, message, properties
        case causeBox = "cause"
    }
}
