/// A workflow implementation registered by name: how to make an instance for a replay, and its methods
/// callable by name.
///
/// ```swift
/// let bookTrip = WorkflowDefinition(BookTripStub.self, implementation: BookTripWorkflow.self)
/// ```
///
/// By hand, without a stub: `WorkflowDefinition(name: "BookTrip", factory: { BookTripWorkflow(context: $0) }) {
/// $0.add("run", BookTripWorkflow.run) }`.
///
/// Several implementations of one name can be registered with different versions: a new instance takes the
/// highest version its workflow executor has, and keeps it for its whole life (running instances keep replaying
/// the code they started with):
///
/// ```swift
/// workflows: [
///     WorkflowDefinition(BookTripStub.self, version: 1, implementation: BookTripWorkflowV1.self),
///     WorkflowDefinition(BookTripStub.self, version: 2, implementation: BookTripWorkflow.self),
/// ]
/// ```
public struct WorkflowDefinition: Sendable {
    public let name: String
    /// The version of this implementation of `name` (0 unless given). An instance records the version it
    /// started with; a worker without that version fails its workflow tasks with
    /// `WorkflowVersionUnavailableError` (retryable with `retryWorkflowTask` once a worker has it).
    public let version: Int
    public let methodNames: Set<String>
    private let runMethod: @Sendable (WorkflowContext, String, [Payload], any PayloadCodec) async throws -> Payload

    /// Registers the implementation made by `factory` under `name`, with the methods `methods` adds (a method table
    /// written by hand). Every
    /// workflow task makes a fresh instance: the implementation keeps nothing between replays except its
    /// `@WorkflowProperty` fields.
    public init<Implementation: Sendable>(
        name: String, version: Int = 0, factory: @escaping @Sendable (WorkflowContext) -> Implementation,
        methods: (inout MethodTable<Implementation>) -> Void
    ) {
        var table = MethodTable<Implementation>()
        methods(&table)
        self.name = name
        self.version = version
        self.methodNames = table.methodNames
        self.runMethod = { [table] context, method, arguments, codec in
            try await table.invoke(method, on: factory(context), arguments: arguments, codec: codec)
        }
    }

    /// Registers the implementations `factory` makes (a fresh one per workflow task) under the stub's workflow name
    /// (or `name` if given) and `version`, with the contract's method table. The compiler checks that they conform
    /// to the stub's contract: `WorkflowDefinition(BookTripStub.self) { BookTripWorkflow(context: $0, prices: prices) }`.
    public init<Stub: WorkflowStub>(
        _ stub: Stub.Type, name: String? = nil, version: Int = 0,
        factory: @escaping @Sendable (WorkflowContext) -> Stub.Implementation
    ) {
        self.init(name: name ?? Stub.workflowName, version: version, factory: factory, methods: Stub.register)
    }

    /// Registers `implementation` (made with `init(context:)` for each workflow task) under the stub's workflow name
    /// (or `name` if given) and `version`: `WorkflowDefinition(BookTripStub.self, implementation:
    /// BookTripWorkflow.self)`. The compiler checks that it conforms to the stub's contract.
    public init<Stub: WorkflowStub>(
        _ stub: Stub.Type, name: String? = nil, version: Int = 0, implementation: Stub.ImplementationType
    ) {
        self.init(stub, name: name, version: version) { context in Stub.make(implementation, context: context) }
    }

    /// Runs `method` of a fresh instance bound to `context`.
    func run(
        _ method: String, context: WorkflowContext, arguments: [Payload], codec: any PayloadCodec
    ) async throws
        -> Payload
    {
        try await runMethod(context, method, arguments, codec)
    }
}
