/// How `BinaryPayloadCodec` reports coding paths: it keeps none while coding (`codingPath` is always empty,
/// which spares an allocation per value); an error's path is built as it goes up, each container it passes
/// through putting its key (or index) in front.
struct BinaryCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = "Index \(intValue)"
        self.intValue = intValue
    }

    /// The key of a super encoder or decoder asked without one.
    static let `super` = BinaryCodingKey(stringValue: "super")
}

extension DecodingError {
    /// This error with `key` in front of its coding path.
    func prefixed(by key: any CodingKey) -> DecodingError {
        switch self {
        case .typeMismatch(let type, let context): .typeMismatch(type, context.prefixed(by: key))
        case .valueNotFound(let type, let context): .valueNotFound(type, context.prefixed(by: key))
        case .keyNotFound(let missing, let context): .keyNotFound(missing, context.prefixed(by: key))
        case .dataCorrupted(let context): .dataCorrupted(context.prefixed(by: key))
        @unknown default: self
        }
    }
}

extension DecodingError.Context {
    func prefixed(by key: any CodingKey) -> Self {
        .init(codingPath: [key] + codingPath, debugDescription: debugDescription, underlyingError: underlyingError)
    }
}

extension EncodingError {
    /// This error with `key` in front of its coding path.
    func prefixed(by key: any CodingKey) -> EncodingError {
        switch self {
        case .invalidValue(let value, let context):
            .invalidValue(
                value,
                .init(
                    codingPath: [key] + context.codingPath, debugDescription: context.debugDescription,
                    underlyingError: context.underlyingError))
        @unknown default: self
        }
    }
}
