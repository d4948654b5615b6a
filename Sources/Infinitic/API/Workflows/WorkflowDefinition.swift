/// A workflow implementation registered by name: how to make an instance for a replay, and its methods
/// callable by name.
///
/// ```swift
/// let bookTrip = WorkflowDefinition(BookTripStub.self, implementation: BookTripWorkflow.self)
/// ```
///
/// By hand, without a stub: `WorkflowDefinition(name: "BookTrip", factory: { BookTripWorkflow(context: $0) }) {
/// $0.add("run", BookTripWorkflow.run) }`.
public struct WorkflowDefinition: Sendable {
    public let name: String
    public let methodNames: Set<String>
    private let runMethod: @Sendable (WorkflowContext, String, [Payload], any PayloadCodec) async throws -> Payload

    /// Registers the implementation made by `factory` under `name`, with the methods `methods` adds (a method table
    /// written by hand). Every
    /// workflow task makes a fresh instance: the implementation keeps nothing between replays except its
    /// `@WorkflowProperty` fields.
    public init<Implementation: Sendable>(
        name: String, factory: @escaping @Sendable (WorkflowContext) -> Implementation,
        methods: (inout MethodTable<Implementation>) -> Void
    ) {
        var table = MethodTable<Implementation>()
        methods(&table)
        self.name = name
        self.methodNames = table.methodNames
        self.runMethod = { [table] context, method, arguments, codec in
            try await table.invoke(method, on: factory(context), arguments: arguments, codec: codec)
        }
    }

    /// Registers the implementations `factory` makes (a fresh one per workflow task) under the stub's workflow name
    /// (or `name` if given), with the contract's method table. The compiler checks that they conform to the stub's
    /// contract: `WorkflowDefinition(BookTripStub.self) { BookTripWorkflow(context: $0, prices: prices) }`.
    public init<Stub: WorkflowStub>(
        _ stub: Stub.Type, name: String? = nil, factory: @escaping @Sendable (WorkflowContext) -> Stub.Implementation
    ) {
        self.init(name: name ?? Stub.workflowName, factory: factory, methods: Stub.register)
    }

    /// Registers `implementation` (made with `init(context:)` for each workflow task) under the stub's workflow name
    /// (or `name` if given): `WorkflowDefinition(BookTripStub.self, implementation: BookTripWorkflow.self)`. The
    /// compiler checks that it conforms to the stub's contract.
    public init<Stub: WorkflowStub>(_ stub: Stub.Type, name: String? = nil, implementation: Stub.ImplementationType) {
        self.init(stub, name: name) { context in Stub.make(implementation, context: context) }
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
