/// A call by name could not reach the implementation: no such method, or arguments that do not decode.
public struct InvocationError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, Codable {
        case unknownMethod
        case wrongArgumentCount
        case undecodableArgument
        case unknownService
        case unknownWorkflow
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
