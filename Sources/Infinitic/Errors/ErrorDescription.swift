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

    /// Describes `error`, encoding its fields with `codec` when it is `Encodable`, and its causes: the error it
    /// wraps, found as `ErrorDescription.underlyingError(of:)` finds it, described in turn (up to 16 levels).
    public init(_ error: any Error, codec: any PayloadCodec) {
        self.init(error, codec: codec, depth: 0)
    }

    private init(_ error: any Error, codec: any PayloadCodec, depth: Int) {
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
        let cause = depth < Self.maximumCauseDepth ? Self.underlyingError(of: error) : nil
        self.init(
            typeName: typeName, message: message, properties: properties,
            cause: cause.map { ErrorDescription($0, codec: codec, depth: depth + 1) })
    }

    /// How many causes a description keeps (a cycle of errors ends there).
    static let maximumCauseDepth = 16

    /// The error that `error` wraps, if it says: `InfiniticError.underlying`, the `underlyingError` of a
    /// `DecodingError` or `EncodingError`, an `NSError`'s `NSUnderlyingErrorKey` (or first of its
    /// `NSMultipleUnderlyingErrorsKey`), or else, by convention, a stored property named `cause`, `underlying` or
    /// `underlyingError` holding an error.
    static func underlyingError(of error: any Error) -> (any Error)? {
        switch error {
        case let error as InfiniticError:
            return error.underlying
        case DecodingError.dataCorrupted(let context), DecodingError.keyNotFound(_, let context),
            DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return context.underlyingError
        case EncodingError.invalidValue(_, let context):
            return context.underlyingError
        default:
            break
        }
        if let cause = conventionalCause(of: error) { return cause }
        let userInfo = (error as NSError).userInfo
        if let underlying = userInfo[NSUnderlyingErrorKey] as? any Error { return underlying }
        return (userInfo["NSMultipleUnderlyingErrorsKey"] as? [any Error])?.first
    }

    /// The value of a stored property `cause`, `underlying` or `underlyingError` that holds an error.
    private static func conventionalCause(of error: any Error) -> (any Error)? {
        for child in Mirror(reflecting: error).children {
            guard let label = child.label, ["cause", "underlying", "underlyingError"].contains(label) else {
                continue
            }
            var value = child.value
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .optional {
                guard let wrapped = mirror.children.first?.value else { continue }
                value = wrapped
            }
            if let cause = value as? any Error { return cause }
        }
        return nil
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
