/// What a stub holds: it encodes each call's arguments and hands the call to its handler, then decodes the
/// result. A stub method is one line: `try await invoker.call("book", request)`.
public struct StubInvoker: Sendable {
    public let target: InvocationTarget
    public let handler: any InvocationHandler
    public let codec: any PayloadCodec

    public init(target: InvocationTarget, handler: any InvocationHandler, codec: any PayloadCodec) {
        self.target = target
        self.handler = handler
        self.codec = codec
    }

    /// Calls `method` with `arguments` and decodes its result.
    public func call<each Argument: Encodable, Result: Decodable>(
        _ method: String, _ arguments: repeat each Argument
    ) async throws -> Result {
        let payload = try await handler.invoke(target, method: method, arguments: try encode(repeat each arguments))
        return try codec.value(Result.self, from: payload)
    }

    /// Calls `method`, which returns nothing, with `arguments`.
    public func call<each Argument: Encodable>(_ method: String, _ arguments: repeat each Argument) async throws {
        _ = try await handler.invoke(target, method: method, arguments: try encode(repeat each arguments))
    }

    private func encode<each Argument: Encodable>(_ arguments: repeat each Argument) throws -> [Payload] {
        var payloads: [Payload] = []
        for argument in repeat each arguments {
            payloads.append(try codec.payload(argument))
        }
        return payloads
    }
}
