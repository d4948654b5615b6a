/// The methods of an implementation, callable by name with encoded arguments: decode the arguments, call,
/// encode the result. Filled with unbound method references: `table.add("book", HotelBookingImpl.book)`.
public struct MethodTable<Receiver: Sendable>: Sendable {
    typealias Entry = @Sendable (Receiver, [Payload], any PayloadCodec) async throws -> Payload

    private(set) var entries: [String: Entry] = [:]
    /// The result type of each method (`String(reflecting:)`).
    private(set) var resultTypes: [String: String] = [:]

    public init() {}

    /// The registered method names.
    public var methodNames: Set<String> { Set(entries.keys) }

    /// Registers a method returning a value.
    public mutating func add<each Argument: Decodable & Sendable, Result: Encodable & Sendable>(
        _ name: String, _ method: @escaping @Sendable (Receiver) -> (repeat each Argument) async throws -> Result
    ) {
        resultTypes[name] = String(reflecting: Result.self)
        entries[name] = { receiver, arguments, codec in
            var reader = ArgumentReader(methodName: name, arguments: arguments, codec: codec)
            let values = (repeat try reader.next((each Argument).self))
            try reader.finish()
            let result = try await method(receiver)(repeat each values)
            return try codec.payload(result)
        }
    }

    /// Registers a method returning nothing.
    public mutating func add<each Argument: Decodable & Sendable>(
        _ name: String, _ method: @escaping @Sendable (Receiver) -> (repeat each Argument) async throws -> Void
    ) {
        resultTypes[name] = String(reflecting: Void.self)
        entries[name] = { receiver, arguments, codec in
            var reader = ArgumentReader(methodName: name, arguments: arguments, codec: codec)
            let values = (repeat try reader.next((each Argument).self))
            try reader.finish()
            try await method(receiver)(repeat each values)
            return .void
        }
    }

    /// Calls the method `name` on `receiver`. Throws `InvocationError` if it cannot be called, or what the
    /// method throws.
    func invoke(
        _ name: String, on receiver: Receiver, arguments: [Payload], codec: any PayloadCodec
    ) async throws
        -> Payload
    {
        guard let entry = entries[name] else {
            throw InvocationError(.unknownMethod, "no method \(name) (known: \(entries.keys.sorted()))")
        }
        return try await entry(receiver, arguments, codec)
    }
}

/// Decodes a method's arguments one by one.
private struct ArgumentReader {
    let methodName: String
    let arguments: [Payload]
    let codec: any PayloadCodec
    var index = 0

    mutating func next<Value: Decodable>(_ type: Value.Type) throws -> Value {
        guard index < arguments.count else {
            throw InvocationError(
                .wrongArgumentCount, "\(methodName) takes more than the \(arguments.count) arguments given")
        }
        defer { index += 1 }
        do {
            return try codec.value(type, from: arguments[index])
        } catch {
            throw InvocationError(
                .undecodableArgument, "argument \(index) of \(methodName) is not a \(Value.self): \(error)")
        }
    }

    func finish() throws {
        guard index == arguments.count else {
            throw InvocationError(
                .wrongArgumentCount, "\(methodName) takes \(index) arguments, \(arguments.count) given")
        }
    }
}
