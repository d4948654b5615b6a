/// A method's value as a client receives it, with the headers of the response (those of the message that started
/// the method, carried back).
public struct ClientMethodResult: Sendable {
    /// The encoded value.
    public var value: Payload
    public var headers: [String: String]

    public init(value: Payload, headers: [String: String] = [:]) {
        self.value = value
        self.headers = headers
    }
}
