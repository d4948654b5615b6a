import Logging

/// Runs `body` with a client connected with `configuration` that receives answers meanwhile, then closes it
/// (also when `body` throws): no task outlives the call.
///
/// ```swift
/// let configuration = ClientConfiguration(transport: .redis(url: "redis://127.0.0.1:6379"))
/// let result = try await withInfiniticClient(configuration: configuration) { client in
///     try await client.workflow(BookTripStub.self).run(myTrip)
/// }
/// ```
public func withInfiniticClient<Value>(
    configuration: ClientConfiguration, logger: Logger = .disabled("infinitic.client"),
    _ body: (InfiniticClient) async throws -> Value
) async throws -> Value {
    try await InfiniticClient(configuration: configuration, logger: logger).running(body)
}

/// Runs `body` with a client of a transport you opened (and will close afterwards), receiving answers
/// meanwhile, then closes the client (also when `body` throws).
public func withInfiniticClient<Value>(
    transport: any Transport, name: String? = nil, callTimeout: Duration? = ClientConfiguration.defaultCallTimeout,
    codec: any PayloadCodec = BinaryPayloadCodec(), interceptors: Interceptors = [],
    unservedWorkflows: UnservedWorkflowPolicy = .default, logger: Logger = .disabled("infinitic.client"),
    _ body: (InfiniticClient) async throws -> Value
) async throws -> Value {
    try await InfiniticClient(
        transport: transport, name: name, callTimeout: callTimeout, codec: codec, interceptors: interceptors,
        unservedWorkflows: unservedWorkflows, logger: logger
    )
    .running(body)
}

extension InfiniticClient {
    /// Runs `body` while `run()` receives answers in a child task, then closes the client. A failure of `run()`
    /// reaches `body` through its calls (`InfiniticError.responsesLost`); `body`'s outcome is returned.
    func running<Value>(_ body: (InfiniticClient) async throws -> Value) async throws -> Value {
        try await withThrowingTaskGroup(of: Void.self, returning: Value.self) { group in
            group.addTask { try await self.run() }
            let outcome: Result<Value, any Error>
            do {
                outcome = .success(try await body(self))
            } catch {
                outcome = .failure(error)
            }
            await close()
            try? await group.waitForAll()
            return try outcome.get()
        }
    }
}
