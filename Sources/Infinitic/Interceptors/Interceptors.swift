/// A chain of interceptors, written as an array: `interceptors: [Tracing(), Metrics()]`. With an empty chain (the
/// default) the worker's operations and workflow commands are called directly, no input built; a client builds
/// the input struct of its operation either way (it is what it publishes).
public struct Interceptors: Sendable, ExpressibleByArrayLiteral {
    public var chain: [any InfiniticInterceptor]

    public init(_ chain: [any InfiniticInterceptor] = []) {
        self.chain = chain
    }

    public init(arrayLiteral elements: any InfiniticInterceptor...) {
        self.chain = elements
    }

    public var isEmpty: Bool { chain.isEmpty }

    /// Runs `body` behind every interceptor's `hook` (which calls the interceptor's method with the input and
    /// `next`), the first outermost. `hook` captures nothing (escaping only to be callable with a closure that
    /// captures `body`): nothing is allocated.
    func run<Input, Output>(
        _ input: Input,
        _ hook: @escaping (any InfiniticInterceptor, Input, (Input) async throws -> Output) async throws -> Output,
        _ body: (Input) async throws -> Output, from index: Int = 0
    ) async throws -> Output {
        guard index < chain.count else { return try await body(input) }
        return try await hook(chain[index], input) { try await run($0, hook, body, from: index + 1) }
    }

    /// `run` for the hooks that do not throw.
    func run<Input, Output>(
        _ input: Input, _ hook: @escaping (any InfiniticInterceptor, Input, (Input) async -> Output) async -> Output,
        _ body: (Input) async -> Output, from index: Int = 0
    ) async -> Output {
        guard index < chain.count else { return await body(input) }
        return await hook(chain[index], input) { await run($0, hook, body, from: index + 1) }
    }

    // MARK: worker

    func step(_ input: RoleStep, _ body: () async throws -> BatchDisposition) async throws -> BatchDisposition {
        try await run(
            input,
            { interceptor, input, next in try await interceptor.step(input) { try await next(input) } },
            { _ in try await body() })
    }

    func executeTask(
        _ input: ExecuteTaskInput, _ body: (ExecuteTaskInput) async -> Result<Payload, any Error>
    ) async -> Result<Payload, any Error> {
        await run(input, { await $0.executeTask($1, next: $2) }, body)
    }

    func replayWorkflowTask(
        _ input: ReplayWorkflowTaskInput, _ body: (ReplayWorkflowTaskInput) async -> WorkflowTaskOutput
    ) async -> WorkflowTaskOutput {
        await run(input, { await $0.replayWorkflowTask($1, next: $2) }, body)
    }

    // MARK: workflow code

    /// Synchronous: a replay must not suspend.
    func workflowCommand(_ input: WorkflowCommandInput, _ body: (WorkflowCommandInput) -> Void) {
        workflowCommand(input, from: 0, body)
    }

    private func workflowCommand(
        _ input: WorkflowCommandInput, from index: Int, _ body: (WorkflowCommandInput) -> Void
    ) {
        guard index < chain.count else { return body(input) }
        chain[index].workflowCommand(input) { workflowCommand($0, from: index + 1, body) }
    }

    // MARK: client

    func clientDispatchWorkflow(
        _ input: ClientDispatchWorkflowInput, _ body: (ClientDispatchWorkflowInput) async throws -> Void
    ) async throws {
        try await run(input, { try await $0.clientDispatchWorkflow($1, next: $2) }, body)
    }

    func clientDispatchMethod(
        _ input: ClientDispatchMethodInput, _ body: (ClientDispatchMethodInput) async throws -> Void
    ) async throws {
        try await run(input, { try await $0.clientDispatchMethod($1, next: $2) }, body)
    }

    func clientAwaitResult(
        _ input: ClientAwaitResultInput, _ body: (ClientAwaitResultInput) async throws -> ClientMethodResult
    ) async throws -> ClientMethodResult {
        try await run(input, { try await $0.clientAwaitResult($1, next: $2) }, body)
    }

    func clientCancel(_ input: ClientCancelInput, _ body: (ClientCancelInput) async throws -> Void) async throws {
        try await run(input, { try await $0.clientCancel($1, next: $2) }, body)
    }

    func clientLookupIds(
        _ input: ClientLookupIdsInput, _ body: (ClientLookupIdsInput) async throws -> [String]
    ) async throws -> [String] {
        try await run(input, { try await $0.clientLookupIds($1, next: $2) }, body)
    }
}
