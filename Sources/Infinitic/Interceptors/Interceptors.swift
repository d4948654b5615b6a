/// A chain of interceptors. An empty chain calls the operation directly (it costs nothing).
public struct Interceptors: Sendable {
    public var chain: [any InfiniticInterceptor]

    public init(_ chain: [any InfiniticInterceptor] = []) {
        self.chain = chain
    }

    public var isEmpty: Bool { chain.isEmpty }

    func step(_ input: RoleStep, _ body: () async throws -> BatchDisposition) async throws -> BatchDisposition {
        guard !chain.isEmpty else { return try await body() }
        return try await step(input, from: 0, body)
    }

    private func step(
        _ input: RoleStep, from index: Int, _ body: () async throws -> BatchDisposition
    ) async throws -> BatchDisposition {
        guard index < chain.count else { return try await body() }
        return try await chain[index].step(input) { try await step(input, from: index + 1, body) }
    }

    func executeTask(
        _ input: ExecuteTaskInput, _ body: (ExecuteTaskInput) async -> Result<Payload, any Error>
    ) async -> Result<Payload, any Error> {
        guard !chain.isEmpty else { return await body(input) }
        return await executeTask(input, from: 0, body)
    }

    private func executeTask(
        _ input: ExecuteTaskInput, from index: Int, _ body: (ExecuteTaskInput) async -> Result<Payload, any Error>
    ) async -> Result<Payload, any Error> {
        guard index < chain.count else { return await body(input) }
        return await chain[index].executeTask(input) { await executeTask($0, from: index + 1, body) }
    }

    func replayWorkflowTask(
        _ input: ReplayWorkflowTaskInput, _ body: (ReplayWorkflowTaskInput) async -> WorkflowTaskOutput
    ) async -> WorkflowTaskOutput {
        guard !chain.isEmpty else { return await body(input) }
        return await replay(input, from: 0, body)
    }

    private func replay(
        _ input: ReplayWorkflowTaskInput, from index: Int,
        _ body: (ReplayWorkflowTaskInput) async -> WorkflowTaskOutput
    ) async -> WorkflowTaskOutput {
        guard index < chain.count else { return await body(input) }
        return await chain[index].replayWorkflowTask(input) { await replay($0, from: index + 1, body) }
    }
}
